// Fetching one file with byte progress, and checking it against its manifest entry
// before anything is stored.
import { InferScopeError } from '../errors.js';
import { sha256Hex } from './sha256.js';

export interface Fetched {
  data: ArrayBuffer;
  contentType: string;
}

/**
 * GETs `url` into one ArrayBuffer, calling `onBytes(n)` per chunk. Stops reading once more than
 * `maxBytes` arrived (a wrong file should not be downloaded whole). Network failures and non-2xx
 * answers are NETWORK errors naming the URL.
 */
export async function fetchBytes(
  url: string,
  { fetch = globalThis.fetch, maxBytes = Infinity, onBytes, signal }: {
    fetch?: typeof globalThis.fetch; maxBytes?: number; onBytes?: (n: number) => void; signal?: AbortSignal;
  } = {},
): Promise<Fetched> {
  let res: Response;
  try {
    res = await fetch(url, { signal });
  } catch (err) {
    throw new InferScopeError('NETWORK', `GET ${url} failed: ${(err as Error)?.message ?? err}`, { cause: err });
  }
  if (!res.ok) {
    res.body?.cancel().catch(() => {});
    throw new InferScopeError(res.status === 404 ? 'MODEL_NOT_FOUND' : 'NETWORK', `GET ${url} answered ${res.status} ${res.statusText}`.trim());
  }
  const contentType = res.headers.get('content-type') ?? '';
  if (!res.body) {
    const data = await res.arrayBuffer();
    onBytes?.(data.byteLength);
    return { data, contentType };
  }
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
      onBytes?.(value.byteLength);
      if (size > maxBytes) {
        await reader.cancel();
        break;
      }
    }
  } catch (err) {
    throw new InferScopeError('NETWORK', `GET ${url} broke off after ${size} bytes: ${(err as Error)?.message ?? err}`, { cause: err });
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) { out.set(c, at); at += c.byteLength; }
  return { data: out.buffer, contentType };
}

/** True when the bytes look like an HTML page (an SPA fallback or error page served instead). */
export function looksLikeHtml(data: ArrayBuffer, contentType = ''): boolean {
  if (/text\/html/i.test(contentType)) return true;
  const head = new TextDecoder().decode(new Uint8Array(data, 0, Math.min(64, data.byteLength))).trimStart().toLowerCase();
  return head.startsWith('<!doctype html') || head.startsWith('<html');
}

/**
 * Checks size and SHA-256 against the manifest. Throws INTEGRITY naming the file and saying what
 * came instead. Returns false (unchecked) only where WebCrypto is missing. `digest`: the bytes'
 * SHA-256 when it was started earlier (as they arrived).
 */
export async function verifyFile(
  label: string,
  data: ArrayBuffer,
  expected: { sha256: string; bytes: number },
  contentType = '',
  digest?: Promise<string | null>,
): Promise<boolean> {
  const html = looksLikeHtml(data, contentType) ? ' — an HTML page came instead of the file (wrong URL or a server fallback page?)' : '';
  if (data.byteLength !== expected.bytes) {
    const what = data.byteLength < expected.bytes ? 'truncated' : 'too long';
    throw new InferScopeError('INTEGRITY', `${label}: expected ${expected.bytes} bytes, got ${data.byteLength} (${what})${html}`);
  }
  const actual = await (digest ?? sha256Hex(data));
  if (actual === null) return false;
  if (actual !== expected.sha256) {
    throw new InferScopeError('INTEGRITY', `${label}: SHA-256 is ${actual}, the manifest says ${expected.sha256} (corrupted or a different build)${html}`);
  }
  return true;
}
