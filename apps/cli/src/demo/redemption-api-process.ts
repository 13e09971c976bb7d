import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { fetchWithin } from '../fetch-within.js';

/** The redemption-api app, started the way an operator does (npm run api), for the demo. */
const API_BIN = fileURLToPath(new URL('../../../redemption-api/bin/redemption-api.mjs', import.meta.url));

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export interface RunningApi {
  url: string;
  stop(): Promise<void>;
}

/** Starts the API on a port with the given environment and waits until /readyz answers 200. */
export async function startRedemptionApi(port: number, env: NodeJS.ProcessEnv): Promise<RunningApi> {
  const child: ChildProcess = spawn(process.execPath, [API_BIN], {
    env: { ...env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn' },
    // the IPC channel closes when this process dies, even by kill -9: the API then stops (tools/launch.mjs)
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const url = `http://127.0.0.1:${port}`;
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  for (let attempt = 0; attempt < 300; attempt++) {
    if (child.exitCode !== null) throw new Error(`the redemption-api exited with ${child.exitCode}: ${stderr.trim()}`);
    try {
      if ((await fetchWithin(`${url}/readyz`, {}, 1_000)).ok) return { url, stop };
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await stop();
  throw new Error(`the redemption-api did not become ready on ${url}: ${stderr.trim()}`);
}
