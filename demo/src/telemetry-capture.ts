// The SDK's telemetry takes a `fetch`; the page hands it this wrapper so it can show every
// batch exactly as it left the device: the body the SDK posted, gunzipped when compressed.
// The request goes out untouched and first; decoding works on the same bytes afterwards.

export interface SentBatch {
  at: number;
  status: number | string;
  /** Bytes on the wire (compressed when gzip). */
  wireBytes: number;
  encoding: string | null;
  keepalive: boolean;
  /** The decoded JSON document (wire format Batch v1). */
  json: Record<string, unknown>;
  text: string;
}

async function decode(body: BodyInit, gzip: boolean): Promise<string> {
  const blob = new Blob([body as BlobPart]);
  if (!gzip) return blob.text();
  return new Response(blob.stream().pipeThrough(new DecompressionStream('gzip'))).text();
}

export function capturingFetch(onBatch: (b: SentBatch) => void, base: typeof fetch = globalThis.fetch.bind(globalThis)): typeof fetch {
  return async (input, init) => {
    const body = init?.body;
    const headers = new Headers(init?.headers);
    const encoding = headers.get('content-encoding');
    let status: number | string = 'network error';
    try {
      const res = await base(input, init);
      status = res.status;
      return res;
    } finally {
      if (typeof body === 'string' || body instanceof Uint8Array) {
        const wireBytes = typeof body === 'string' ? new TextEncoder().encode(body).length : body.byteLength;
        decode(body, encoding === 'gzip').then((text) => {
          onBatch({ at: Date.now(), status, wireBytes, encoding, keepalive: init?.keepalive === true, json: JSON.parse(text), text });
        }).catch(() => { /* not a batch we can show */ });
      }
    }
  };
}
