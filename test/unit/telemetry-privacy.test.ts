import { gunzipSync } from 'node:zlib';
import { describe, expect, test } from 'vitest';
import { hashInstallId, laplace, noisyCount, reduceUserAgent, utcDay } from '../../src/protocol/privacy.js';
import { createTelemetry } from '../../src/sdk/telemetry/index.js';
import { createClientInfo } from '../../src/sdk/telemetry/client-info.js';
import type { FeatureBaseline } from '../../src/protocol/manifest-types.js';

describe('user agent reduction', () => {
  const cases: [string, object][] = [
    ['Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.6478.126 Safari/537.36', { browser: 'chrome', browserMajor: 126, os: 'linux', device: 'desktop' }],
    ['Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1', { browser: 'safari', browserMajor: 17, os: 'ios', device: 'mobile' }],
    ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0.0.0 Safari/537.36 Edg/125.0.2535.92', { browser: 'edge', browserMajor: 125, os: 'windows', device: 'desktop' }],
    ['Mozilla/5.0 (Linux; Android 14; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36', { browser: 'chrome', browserMajor: 126, os: 'android', device: 'tablet' }],
    ['Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36', { browser: 'chrome', browserMajor: 126, os: 'android', device: 'mobile' }],
    ['Mozilla/5.0 (Macintosh; Intel Mac OS X 14.5; rv:127.0) Gecko/20100101 Firefox/127.0', { browser: 'firefox', browserMajor: 127, os: 'macos', device: 'desktop' }],
    ['Node.js/20', { browser: 'node', browserMajor: 20, os: 'other', device: 'server' }],
    ['', { browser: 'other', browserMajor: 0, os: 'other', device: 'unknown' }],
  ];
  for (const [ua, want] of cases) test(ua.slice(0, 60) || '(empty)', () => expect(reduceUserAgent(ua)).toEqual(want));
});

describe('install hash', () => {
  test('16 hex chars, stable within a UTC day, different the next day, never the id itself', async () => {
    const id = 'f'.repeat(32);
    const d = utcDay(Date.parse('2025-03-01T10:00:00Z'));
    expect(utcDay(Date.parse('2025-03-01T23:59:59Z'))).toBe(d);
    const a = await hashInstallId(id, d);
    expect(a).toMatch(/^[0-9a-f]{16}$/);
    expect(await hashInstallId(id, d)).toBe(a);
    expect(await hashInstallId(id, d + 1)).not.toBe(a);
    expect(await hashInstallId('other', d)).not.toBe(a);
  });
});

describe('install id source', () => {
  test('telemetry hashes the id the client hands it (delivery\'s, used for rollout buckets), asked for once', async () => {
    const now = () => Date.parse('2025-03-01T10:00:00Z');
    let asked = 0;
    const info = createClientInfo({ installId: async () => { asked++; return 'rollout-id-1234'; }, now });
    await info.refresh();
    await info.refresh();
    expect(info.get().installHash).toBe(await hashInstallId('rollout-id-1234', utcDay(now())));
    expect(asked).toBe(1);
    const given = createClientInfo({ installId: 'explicit', now });
    await given.refresh();
    expect(given.get().installHash).toBe(await hashInstallId('explicit', utcDay(now())));
  });
});

describe('local differential privacy', () => {
  test('Laplace noise has mean 0 and variance 2/epsilon^2', () => {
    for (const eps of [0.5, 2]) {
      const xs = Array.from({ length: 50_000 }, () => laplace(1 / eps));
      const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
      const variance = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length;
      expect(Math.abs(mean)).toBeLessThan(0.05 / eps);
      expect(variance / (2 / eps ** 2)).toBeGreaterThan(0.9);
      expect(variance / (2 / eps ** 2)).toBeLessThan(1.1);
    }
  });
  test('noisy counts are whole, never negative, and unbiased for counts away from 0', () => {
    const n = 20_000;
    let sum = 0;
    for (let i = 0; i < n; i++) {
      const c = noisyCount(100, 1);
      expect(Number.isInteger(c) && c >= 0).toBe(true);
      sum += c;
    }
    expect(Math.abs(sum / n - 100)).toBeLessThan(0.1);
  });
});

describe('privacy scrubbing of real batches', () => {
  test('no raw input value, output score, prediction id, install id or user agent leaves the device', async () => {
    const bodies: string[] = [];
    const fetch = (async (_u: RequestInfo | URL, init?: RequestInit) => {
      const h = new Headers(init?.headers);
      bodies.push(h.get('content-encoding') === 'gzip' ? gunzipSync(init!.body as Uint8Array).toString() : String(init!.body));
      return new Response(null, { status: 204 });
    }) as typeof globalThis.fetch;
    const installId = 'install-9f3a7c1e5b';
    const t = createTelemetry({ endpoint: 'https://collector.test/v1/batches', appKey: 'pk_x', fetch, installId, webVitals: false });
    const features: FeatureBaseline[] = [
      { name: 'f0', index: 0, edges: [0, 100, 200], expected: [0.25, 0.25, 0.25, 0.25] },
      { name: 'f1', index: 1, edges: [0, 100, 200], expected: [0.25, 0.25, 0.25, 0.25] },
    ];
    const secrets: string[] = [];
    for (let i = 0; i < 200; i++) {
      // Distinctive values a user typed in: none of them may appear in what is sent.
      const row = Float32Array.from([123.4567 + i * 1.0131, 98765.4321 - i * 3.0173]);
      const score = 0.61803 + i / 100_000;
      secrets.push(String(row[0]), String(row[1]), row[0]!.toFixed(2), String(score), `pred-id-${i}-xyz`);
      t.recordPrediction({ id: `pred-id-${i}-xyz`, model: 'm', version: '1', backend: 'cpu', variant: 'stable', ms: 3.14159 + i / 1000,
        top: [{ index: 1, label: 'spam', score }], baseline: { features }, inputs: () => [row] });
    }
    await t.feedback('pred-id-3-xyz', 'ham');
    await t.flush();
    await t.dispose();
    expect(bodies.length).toBeGreaterThan(0);
    const all = bodies.join('\n');
    for (const s of [...secrets, installId]) expect(all.includes(s), `"${s}" leaked`).toBe(false);
    expect(all).not.toMatch(/https?:\/\//); // no URL of any kind
    const batch = JSON.parse(bodies[0]!);
    expect(batch.models[0].features.f0.reduce((a: number, b: number) => a + b, 0)).toBe(200); // but the counts are there
    expect(batch.client.installHash).toMatch(/^[0-9a-f]{16}$/);
  });
});
