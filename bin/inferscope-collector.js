#!/usr/bin/env node
// `inferscope-collector`: the collector service on its own (same flags as `inferscope collector`).
import { main } from '../dist/node/collector.js';

try {
  await main(process.argv.slice(2));
} catch (err) {
  console.error(err instanceof Error ? err.message : String(err));
  process.exitCode = err?.code === "CONFIG" ? 2 : 1;
}
