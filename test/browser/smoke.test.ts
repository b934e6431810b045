import { expect, test } from 'vitest';

test('the browser tier runs in real Chromium, cross-origin isolated, with WebGPU exposed', async () => {
  expect(navigator.userAgent).toMatch(/Chrome\//);
  expect(globalThis.crossOriginIsolated).toBe(true);
  const adapter = await (navigator as any).gpu?.requestAdapter();
  expect(adapter).toBeTruthy();
});
