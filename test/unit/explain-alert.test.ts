// The shipped alert rule for attribution drift fires (and only) when the live importance
// ranking stays unlike training for an hour — checked by promtool's rule unit tests.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect, test } from 'vitest';

test('InferScopeAttributionDrift fires after 1 h below rank correlation 0.5, not for a healthy version', () => {
  const dir = mkdtempSync(join(tmpdir(), 'inferscope-alert-'));
  const rules = resolve('deploy/prometheus/alerts.yml');
  writeFileSync(join(dir, 'test.yml'), `
rule_files: [${JSON.stringify(rules)}]
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
      - series: 'inferscope_attribution_rank_correlation{app="zoo",model="penguins",version="2.0.0"}'
        values: '0.2x120'
      - series: 'inferscope_attribution_rank_correlation{app="zoo",model="penguins",version="1.0.0"}'
        values: '0.9x120'
    alert_rule_test:
      - eval_time: 30m
        alertname: InferScopeAttributionDrift
        exp_alerts: []
      - eval_time: 90m
        alertname: InferScopeAttributionDrift
        exp_alerts:
          - exp_labels: { severity: ticket, app: zoo, model: penguins, version: 2.0.0 }
            exp_annotations:
              summary: "penguins@2.0.0: feature importance no longer ranks like training (Spearman 0.20 < 0.5)"
              description: "See importance in the collector report (GET /v1/models/:id/report, versions[].importance) and inferscope_feature_importance by feature."
`);
  try {
    const out = execFileSync('promtool', ['test', 'rules', join(dir, 'test.yml')], { encoding: 'utf8' });
    expect(out).toMatch(/SUCCESS/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
