import type { ReleaseController } from '../../src/collector/releases/controller.js';

/**
 * Runs `n` complete release evaluation passes that all began after this call: the positive
 * marker a claim like "nothing changes while the replicas evaluate" waits for. A sleep of a few
 * intervals proves nothing on a loaded machine (the interval timer may not have fired once).
 * tick() joins a pass already in flight, which may have started before the caller's last step,
 * so that one is awaited first and does not count.
 */
export async function evaluationPasses(releases: ReleaseController, n: number): Promise<void> {
  await releases.tick();
  for (let i = 0; i < n; i++) await releases.tick();
}
