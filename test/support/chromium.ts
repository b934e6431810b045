// Debian's Chromium with a fresh persistent profile, for tests that need IndexedDB to survive a
// reload or be shared by two pages (Playwright refuses --user-data-dir in args, so the profile
// goes through launchPersistentContext). The flags keep Chromium off this machine's closed network.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright';

export interface Browser { context: BrowserContext; close(): Promise<void> }

export async function launchProfile(prefix = 'inferscope-'): Promise<Browser> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', headless: true,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
  return { context, close: async () => { await context.close(); rmSync(dir, { recursive: true, force: true }); } };
}
