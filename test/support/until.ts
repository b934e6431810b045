/**
 * Waits until `cond` holds (sync or async), checking every `stepMs`; throws naming `what` after
 * `ms`. The limit only turns a never into a failure: it is generous because a fresh-clone CI
 * machine runs both test tiers, Chromium and PostgreSQL on 2 cores (load average 20 is normal),
 * and a passing run never waits for it.
 */
export async function until(cond: () => boolean | Promise<boolean>, what: string, { ms = 60_000, stepMs = 20 } = {}): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}
