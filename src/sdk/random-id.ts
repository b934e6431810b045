// Prediction ids: 16 random bytes as hex. crypto.randomUUID is missing in insecure
// contexts (plain http pages), getRandomValues is everywhere (browsers, workers, Node >= 20).
export function randomId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += (bytes[i]! < 16 ? '0' : '') + bytes[i]!.toString(16);
  return s;
}
