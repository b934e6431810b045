// One HTTP attempt for one batch body. Classifies the answer for the retry logic;
// never throws. gzip via CompressionStream where the runtime has it.

export type SendResult =
  | { ok: true; status: number }
  | { ok: false; retry: boolean; status?: number; retryAfter?: string | null; reason: string };

export interface SendOptions {
  url: string;
  fetch: typeof fetch;
  /** Survive page unload (fetch keepalive; body must be ready, so it is not compressed). */
  keepalive?: boolean;
  compress?: boolean;
  timeoutMs?: number;
}

/** Bodies smaller than this are sent as is: gzip would not pay for its header. */
const MIN_COMPRESS_BYTES = 512;

async function gzip(body: string): Promise<Uint8Array> {
  const stream = new Blob([body]).stream().pipeThrough(new CompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

export const canCompress = () => typeof CompressionStream === 'function';

/** POST one batch. 2xx: ok; 408, 429, 5xx and network errors: retry; other 4xx: the
 *  collector refused the batch itself, so sending it again cannot help. */
export async function sendBatch(body: string, { url, fetch: f, keepalive = false, compress = true, timeoutMs = 15_000 }: SendOptions): Promise<SendResult> {
  const ctrl = typeof AbortController === 'function' ? new AbortController() : undefined;
  const timer = ctrl ? setTimeout(() => ctrl.abort(), timeoutMs) : undefined;
  try {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    let payload: string | Uint8Array = body;
    if (compress && !keepalive && body.length >= MIN_COMPRESS_BYTES && canCompress()) {
      payload = await gzip(body);
      headers['content-encoding'] = 'gzip';
    }
    const res = await f(url, {
      // no-referrer: the page URL must not leave through the Referer header either.
      method: 'POST', body: payload as BodyInit, headers, keepalive, credentials: 'omit', mode: 'cors', referrerPolicy: 'no-referrer', signal: ctrl?.signal,
    });
    // Read the (small) body rather than cancel it: a cancelled body shows up as a failed
    // request (net::ERR_ABORTED) in the page's network log, and it frees the connection.
    await res.arrayBuffer().catch(() => {});
    if (res.ok) return { ok: true, status: res.status };
    const retry = res.status === 408 || res.status === 429 || res.status >= 500;
    return { ok: false, retry, status: res.status, retryAfter: res.headers.get('retry-after'), reason: `HTTP ${res.status}` };
  } catch (err) {
    return { ok: false, retry: true, reason: `network: ${(err as Error)?.name ?? 'error'}` };
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}

/** sendBeacon as the last resort on unload: text/plain (CORS-safelisted, so no
 *  preflight) and uncompressed, since a beacon cannot set Content-Encoding. */
export function beacon(url: string, body: string): boolean {
  try {
    const nav = (globalThis as { navigator?: Navigator }).navigator;
    return typeof nav?.sendBeacon === 'function' ? nav.sendBeacon(url, body) : false;
  } catch {
    return false;
  }
}
