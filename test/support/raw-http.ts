import { connect } from 'node:net';

export interface RawResponse { status: number; head: string; body: string; type: string }

/**
 * One raw HTTP/1.1 exchange, for requests fetch() would refuse or fix (bad lengths, bare OPTIONS,
 * malformed lines). It resolves when the first response is complete (Content-Length read, or the
 * server closed), never after a fixed delay: on a loaded CI machine a fixed 300 ms cut the socket
 * before the answer came and the test read status NaN. The safety limit only ends a hung server.
 */
export function rawExchange(url: string, request: string, limitMs = 20_000): Promise<RawResponse> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname === 'localhost' ? '127.0.0.1' : hostname, port: Number(port) }, () => socket.write(request, 'latin1'));
    let data = '';
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      const end = data.indexOf('\r\n\r\n');
      const head = end < 0 ? data : data.slice(0, end);
      const body = end < 0 ? '' : data.slice(end + 4);
      const length = /\r\ncontent-length: *(\d+)/i.exec(head)?.[1];
      resolve({
        status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]),
        head,
        body: length === undefined ? body : body.slice(0, Number(length)),
        type: /\r\ncontent-type: ([^\r\n]+)/i.exec(head)?.[1] ?? '',
      });
    };
    const complete = () => {
      const end = data.indexOf('\r\n\r\n');
      if (end < 0) return false;
      const head = data.slice(0, end);
      const length = /\r\ncontent-length: *(\d+)/i.exec(head)?.[1];
      // 204/304 and answers without a length and without chunking carry no body we wait for.
      if (length !== undefined) return Buffer.byteLength(data.slice(end + 4), 'latin1') >= Number(length);
      return !/\r\ntransfer-encoding: *chunked/i.test(head) || data.endsWith('0\r\n\r\n');
    };
    const timer = setTimeout(finish, limitMs);
    socket.on('data', (d: Buffer) => { data += d.toString('latin1'); if (complete()) finish(); });
    socket.on('error', finish);
    socket.once('close', finish);
  });
}
