// Random hex ids (prediction, install and batch ids). Isomorphic: crypto.getRandomValues exists in
// browsers, workers and Node >= 20 (crypto.randomUUID is missing on plain-http pages). Bytes are
// drawn 4 KiB at a time: one call per 256 prediction ids keeps predict's fixed cost down.
const HEX = Array.from({ length: 256 }, (_, i) => (i < 16 ? '0' : '') + i.toString(16));
let pool = new Uint8Array(0);
let at = 0;

/** A random id of `bytes` bytes as hex (crypto-grade). */
export function randomHex(bytes = 16): string {
  if (at + bytes > pool.length) { pool = crypto.getRandomValues(new Uint8Array(Math.max(4096, bytes))); at = 0; }
  let hex = '';
  for (let i = 0; i < bytes; i++) hex += HEX[pool[at++]!];
  return hex;
}
