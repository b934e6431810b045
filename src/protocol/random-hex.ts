// Random hex ids (install ids, batch ids). Isomorphic: crypto.getRandomValues exists in
// browsers, workers and Node >= 20.

/** A random id of `bytes` bytes as hex (crypto-grade). */
export function randomHex(bytes = 16): string {
  const b = crypto.getRandomValues(new Uint8Array(bytes));
  let hex = '';
  for (let i = 0; i < b.length; i++) hex += b[i]!.toString(16).padStart(2, '0');
  return hex;
}
