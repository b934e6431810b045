// Vitest globalSetup for the browser tier: fixture models must exist on disk before the
// browser asks the dev server for them.
import { ensureFixtures } from './fixtures.js';
export default async function setup() { await ensureFixtures(); }
