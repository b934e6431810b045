// SHA-256 through WebCrypto (browsers in secure contexts, workers, Node >= 20).

/** Lowercase hex SHA-256 of the bytes, or null where WebCrypto is missing (insecure origin). */
export async function sha256Hex(data: ArrayBuffer | Uint8Array): Promise<string | null> {
  const subtle = globalThis.crypto?.subtle;
  if (!subtle) return null;
  const digest = new Uint8Array(await subtle.digest('SHA-256', data as BufferSource));
  let hex = '';
  for (const b of digest) hex += b.toString(16).padStart(2, '0');
  return hex;
}
