// SHA-256 and size of model files, streamed (so big shards do not sit in memory twice),
// with progress for large totals.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ManifestFile } from '../protocol/manifest-types.js';
import { InferScopeError } from '../sdk/errors.js';

/** Hashes `files` (paths relative to `dir`); `onProgress(done, total)` in bytes, only for totals of 4 MiB or more. */
export async function hashFiles(dir: string, files: string[], onProgress?: (done: number, total: number) => void): Promise<ManifestFile[]> {
  const sizes = await Promise.all(
    files.map(async (f) => {
      try {
        return (await stat(join(dir, f))).size;
      } catch {
        throw new InferScopeError('MODEL_INVALID', `${join(dir, f)}: file listed by the model is missing`);
      }
    }),
  );
  const total = sizes.reduce((a, b) => a + b, 0);
  if (total < 4 * 1024 * 1024) onProgress = undefined;
  let done = 0;
  const out: ManifestFile[] = [];
  for (const [i, path] of files.entries()) {
    const hash = createHash('sha256');
    for await (const chunk of createReadStream(join(dir, path))) {
      hash.update(chunk as Buffer);
      done += (chunk as Buffer).length;
      onProgress?.(done, total);
    }
    out.push({ path, sha256: hash.digest('hex'), bytes: sizes[i]! });
  }
  return out;
}
