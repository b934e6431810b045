// Request body parsing for ingest: any of JSON / text/plain (what sendBeacon sends for a
// string) / octet-stream, optionally gzip-, deflate- or brotli-encoded. The decoded size is
// capped too, so a small compressed body cannot expand into a huge one (zip bomb).
import { brotliDecompress, gunzip, inflate, type InputType, type ZlibOptions } from 'node:zlib';
import { promisify } from 'node:util';
import type { FastifyRequest } from 'fastify';
import { CollectorError } from './errors.js';

const decoders: Record<string, (buf: InputType, opts: ZlibOptions) => Promise<Buffer>> = {
  gzip: promisify(gunzip) as never,
  'x-gzip': promisify(gunzip) as never,
  deflate: promisify(inflate) as never,
  br: promisify(brotliDecompress) as never,
};

const ACCEPTED_TYPES = ['application/json', 'text/plain', 'application/octet-stream', 'application/csp-report'];

export async function parseBody(req: FastifyRequest, raw: Buffer, decodedLimit: number): Promise<unknown> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type && !ACCEPTED_TYPES.includes(type)) {
    throw new CollectorError('UNSUPPORTED_MEDIA_TYPE', 415, `content-type ${type} is not accepted; send application/json or text/plain (sendBeacon)`);
  }
  const encoding = (req.headers['content-encoding'] ?? 'identity').toString().trim().toLowerCase();
  let buf = raw;
  if (encoding !== 'identity' && encoding !== '') {
    const decode = decoders[encoding];
    if (!decode) throw new CollectorError('UNSUPPORTED_MEDIA_TYPE', 415, `content-encoding ${encoding} is not accepted; use gzip, deflate, br or none`);
    try {
      buf = await decode(raw, { maxOutputLength: decodedLimit });
    } catch (err) {
      if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError) {
        throw new CollectorError('PAYLOAD_TOO_LARGE', 413, `decompressed body exceeds ${decodedLimit} bytes`);
      }
      throw new CollectorError('BAD_REQUEST', 400, `body is not valid ${encoding} data: ${(err as Error).message}`);
    }
  }
  if (buf.length === 0) throw new CollectorError('BAD_REQUEST', 400, 'body is empty; send one telemetry batch as JSON');
  try {
    return JSON.parse(buf.toString('utf8'));
  } catch (err) {
    throw new CollectorError('BAD_REQUEST', 400, `body is not valid JSON: ${(err as Error).message.slice(0, 200)}`);
  }
}
