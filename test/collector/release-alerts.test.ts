// The shipped rollback alert fires, through promtool's rule unit tests, when any replica's
// rollback counter rises, and stays quiet while releases only hold and advance.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const RULES = join(import.meta.dirname, '../../deploy/prometheus/alerts.yml');

describe('InferScopeReleaseRolledBack', () => {
  it('fires on a rollback on one replica and not on advances', () => {
    const dir = mkdtempSync(join(tmpdir(), 'inferscope-promtool-'));
    try {
      const file = join(dir, 'release.test.yml');
      writeFileSync(file, `rule_files: [${JSON.stringify(RULES)}]
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
      - series: 'inferscope_release_decisions_total{model="digits",channel="stable",decision="rollback",instance="a"}'
        values: '0 0 0 1 1 1'
      - series: 'inferscope_release_decisions_total{model="digits",channel="stable",decision="rollback",instance="b"}'
        values: '0 0 0 0 0 0'
      - series: 'inferscope_release_decisions_total{model="penguins",channel="stable",decision="advance",instance="a"}'
        values: '0 1 2 3 4 5'
    alert_rule_test:
      - eval_time: 2m
        alertname: InferScopeReleaseRolledBack
        exp_alerts: []
      - eval_time: 5m
        alertname: InferScopeReleaseRolledBack
        exp_alerts:
          - exp_labels: { severity: page, model: digits, channel: stable }
            exp_annotations:
              summary: "digits/stable: the release candidate was rolled back"
              description: "Devices are back on stable. GET /v1/releases/digits shows the failed check and its numbers; fix the model and publish a new candidate."
`);
      const out = execFileSync('promtool', ['test', 'rules', file], { encoding: 'utf8' });
      expect(out).toMatch(/SUCCESS/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
