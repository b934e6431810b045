// Every `inferscope` subcommand. To add one, write a Command (see command.ts) and list it
// here; main.ts dispatches on the longest matching name ("manifest add" before "manifest").
import type { Command } from './command.js';
import { baselineCommand } from './baseline.js';
import { collectorCommand } from '../collector/cli-command.js';
import { manifestAddCommand } from './manifest-add.js';
import { quantizeCommand } from './quantize.js';
import { releaseCheckCommand } from './release-check.js';
import { releasePublishCommand } from './release-publish.js';

export const commands: Command[] = [
  quantizeCommand,
  manifestAddCommand,
  baselineCommand,
  collectorCommand,
  releasePublishCommand,
  releaseCheckCommand,
];
