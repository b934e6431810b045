// Fastify answers some requests before any route or error handler runs: a bad percent
// escape in the URL, a path parameter longer than maxParamLength (414), a request Node's
// HTTP parser refuses (400, 431 for oversized headers, 408 on a request timeout). Its own
// bodies have another shape ({ error: "Bad Request", message, statusCode }); these hooks
// give them the collector's documented one, { error: { code, message } }.
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyReply, FastifyRequest } from 'fastify';

/** Longest message an error body carries; messages never repeat more than a short excerpt. */
export const MESSAGE_MAX = 400;

/** The JSON body of every refusal. */
export function errorBody(code: string, message: string, field?: string): { error: { code: string; message: string; field?: string } } {
  const m = message.length > MESSAGE_MAX ? `${message.slice(0, MESSAGE_MAX)}…` : message;
  return { error: { code, message: m, ...(field ? { field: field.slice(0, 200) } : {}) } };
}

/**
 * The methods the collector serves on a request path, from the route table (Fastify answers a
 * wrong method with its not-found handler; RFC 9110 section 15.5.6 wants 405 with Allow). The
 * CORS preflight catch-all (OPTIONS *) does not count. Built on first use: routes are final then.
 */
export function methodsByPath(routes: readonly { method: string; url: string }[]): (path: string) => string[] {
  let table: { segments: string[]; methods: Set<string> }[] | null = null;
  const build = () => {
    const byUrl = new Map<string, Set<string>>();
    for (const r of routes) if (!r.url.includes('*')) byUrl.set(r.url, (byUrl.get(r.url) ?? new Set()).add(r.method));
    return [...byUrl].map(([url, methods]) => ({ segments: url.split('/'), methods }));
  };
  // A ':param' segment matches any non-empty segment; the rest must be equal.
  const matches = (segments: string[], parts: string[]) => segments.length === parts.length
    && segments.every((s, i) => (s.startsWith(':') ? parts[i] !== '' : s === parts[i]));
  return (path) => {
    table ??= build();
    const parts = path.split('/');
    return [...table.find((t) => matches(t.segments, parts))?.methods ?? []].sort();
  };
}

/** Fastify's `frameworkErrors` option: bad URL escapes and over-long path parameters. */
export function frameworkErrors(err: Error & { code?: string }, _req: FastifyRequest, reply: FastifyReply): void {
  if (err.code === 'FST_ERR_MAX_PARAM_LENGTH') {
    void reply.code(414).send(errorBody('URI_TOO_LONG', 'a path segment of the URL is too long (model ids have at most 64 characters)'));
  } else if (err.code === 'FST_ERR_BAD_URL') {
    void reply.code(400).send(errorBody('BAD_REQUEST', 'the URL has an invalid percent-escape (%xx); encode path segments with encodeURIComponent'));
  } else {
    void reply.code(400).send(errorBody('BAD_REQUEST', 'the request could not be routed'));
  }
}

const CLIENT_ERRORS: Record<string, [number, string, string]> = {
  HPE_HEADER_OVERFLOW: [431, 'HEADERS_TOO_LARGE', 'the request headers are too large; send fewer or smaller headers'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'TIMEOUT', 'the request did not arrive in time; send the whole body promptly'],
  ERR_HTTP_HEADERS_TIMEOUT: [408, 'TIMEOUT', 'the request headers did not arrive in time'],
  HPE_URI_TOO_LONG: [414, 'URI_TOO_LONG', 'the URL is too long'],
};

/** Fastify's `clientErrorHandler`: requests the HTTP parser refused, answered on the raw socket. */
export function clientErrorHandler(err: Error & { code?: string }, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const known = err.code && Object.hasOwn(CLIENT_ERRORS, err.code) ? CLIENT_ERRORS[err.code]! : undefined;
  const [status, code, message] = known ?? [400, 'BAD_REQUEST', 'the request is not valid HTTP/1.1'];
  const body = JSON.stringify(errorBody(code, message));
  if (socket.writable) {
    socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nContent-Type: application/json; charset=utf-8\r\nConnection: close\r\n\r\n${body}`);
  }
  socket.destroy(err);
}
