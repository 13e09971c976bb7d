import { connect } from 'node:net';

export interface RawResponse {
  /** the whole response as received, '' when the server closed without a byte */
  text: string;
  status: number | undefined;
  headers: Record<string, string>;
  body: string;
}

/**
 * Writes bytes to a fresh TCP connection and reads until the server closes it, within a deadline.
 * `end`: close the writing side after the bytes (a client that sent a shorter body than its Content-Length).
 */
export function rawRequest(
  base: string,
  bytes: string | Buffer,
  deadlineMs = 10_000,
  options: { end?: boolean } = {},
): Promise<RawResponse> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let text = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no end of response within ${deadlineMs} ms: ${JSON.stringify(text.slice(0, 200))}`));
    }, deadlineMs);
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (text += chunk));
    socket.on('error', () => undefined); // a reset after the response is not the test's concern
    socket.on('close', () => {
      clearTimeout(timer);
      // an interim answer (`100 Continue` to `Expect: 100-continue`) comes before the real one
      const final = text.replace(/^(HTTP\/1\.1 1\d\d [^\r\n]*\r\n(?:[^\r\n]+\r\n)*\r\n)+/, '');
      const [head = '', ...rest] = final.split('\r\n\r\n');
      const [statusLine = '', ...lines] = head.split('\r\n');
      const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
      // a body sent without framing was read as a second request: its answer follows the first one's Content-Length
      const whole = rest.join('\r\n\r\n');
      const length = Number(headers['content-length']);
      const body = Number.isSafeInteger(length) ? Buffer.from(whole).subarray(0, length).toString('utf8') : whole;
      resolve({ text, status: Number(/^HTTP\/1\.1 (\d{3})/.exec(statusLine)?.[1]) || undefined, headers, body });
    });
    if (options.end) socket.end(bytes);
    else socket.write(bytes);
  });
}
