import { connect } from 'node:net';

export interface RawResponse {
  /** the whole response as received, '' when the server closed without a byte */
  text: string;
  status: number | undefined;
  headers: Record<string, string>;
  body: string;
}

/** Writes bytes to a fresh TCP connection and reads until the server closes it, within a deadline. */
export function rawRequest(base: string, bytes: string, deadlineMs = 10_000): Promise<RawResponse> {
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
      const [head = '', ...rest] = text.split('\r\n\r\n');
      const [statusLine = '', ...lines] = head.split('\r\n');
      const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
      resolve({ text, status: Number(/^HTTP\/1\.1 (\d{3})/.exec(statusLine)?.[1]) || undefined, headers, body: rest.join('\r\n\r\n') });
    });
    socket.write(bytes);
  });
}
