#!/usr/bin/env node
// `inferscope` CLI: quantize, manifest, baseline, collector. Built into dist/node by `npm run build`.
import { main } from '../dist/node/cli.js';

process.exitCode = await main(process.argv.slice(2));
