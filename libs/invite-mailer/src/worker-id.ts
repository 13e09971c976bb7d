import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

/** Who holds a claim: host, pid and a random part (two senders in one process differ). */
export function newWorkerId(): string {
  return `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
}
