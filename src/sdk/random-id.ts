// Prediction ids: 16 random bytes as hex. crypto.randomUUID is missing in insecure contexts
// (plain http pages); getRandomValues is everywhere (browsers, workers, Node >= 20). Bytes are
// drawn 4 KiB at a time: one call per 256 ids keeps predict's fixed cost down.
const HEX = Array.from({ length: 256 }, (_, i) => (i < 16 ? '0' : '') + i.toString(16));
let pool: Uint8Array | null = null;
let at = 0;

export function randomId(): string {
  if (!pool || at + 16 > pool.length) { pool = crypto.getRandomValues(new Uint8Array(4096)); at = 0; }
  let s = '';
  for (let i = 0; i < 16; i++) s += HEX[pool[at + i]!];
  at += 16;
  return s;
}
