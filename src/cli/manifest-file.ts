// Reading, validating and atomically writing a manifest.json on disk.
import { existsSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { validateManifest, ManifestError } from '../protocol/manifest.js';
import type { Manifest } from '../protocol/manifest-types.js';
import { InferScopeError } from '../sdk/errors.js';
import { parseJsonFile } from './json-file.js';
import { writeFilesAtomically } from './model-files.js';

/** The manifest at `file`, or an empty one when the file does not exist and `create` is set. */
export async function readManifest(file: string, { create = false } = {}): Promise<Manifest> {
  if (!existsSync(file)) {
    if (create) return { schemaVersion: 1, models: {} };
    throw new InferScopeError('MANIFEST_INVALID', `${file}: no such manifest (run "inferscope manifest add" first)`);
  }
  const json = await parseJsonFile(file, 'MANIFEST_INVALID');
  try {
    return validateManifest(json);
  } catch (err) {
    throw new InferScopeError('MANIFEST_INVALID', `${file}: ${(err as Error).message}`, { cause: err });
  }
}

/** Validates, then writes via a temp file + rename: readers never see half a manifest. */
export async function writeManifest(file: string, manifest: Manifest): Promise<void> {
  try {
    validateManifest(manifest);
  } catch (err) {
    const what = err instanceof ManifestError ? err.message : String(err);
    throw new InferScopeError('MANIFEST_INVALID', `not writing ${file}: the result would be invalid: ${what}`, { cause: err });
  }
  const path = resolve(file);
  await writeFilesAtomically(dirname(path), [[basename(path), JSON.stringify(manifest, null, 2) + '\n']]);
}
