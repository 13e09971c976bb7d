import { runOutboxLoop } from './outbox-loop.js';
import type { OutboxLoop } from './outbox-loop.js';
import type { OutboxSender, OutboxSummary } from './outbox-sender.js';

/** A sender whose drains end when the test says so: the loop's scheduling, without a database. */
function scriptedSender() {
  const ends: (() => void)[] = [];
  const sender: OutboxSender = {
    worker: 'test',
    drain: () => new Promise<OutboxSummary>((resolve) => ends.push(() => resolve({} as OutboxSummary))),
    close: () => Promise.resolve(),
  };
  /** Waits (up to 2 s, far below the loop's 60 s interval) until `count` drains have started. */
  const started = async (count: number) => {
    const until = Date.now() + 2_000;
    while (ends.length < count && Date.now() < until) await new Promise((r) => setTimeout(r, 5));
    return ends.length;
  };
  return { sender, ends, started };
}

/** Runs `body` with a loop on a scripted sender; then ends every drain (a failed test leaves none hanging) and stops the loop. */
async function withLoop(
  intervalMs: number,
  body: (loop: OutboxLoop, scripted: ReturnType<typeof scriptedSender>) => Promise<void>,
): Promise<void> {
  const scripted = scriptedSender();
  const loop = runOutboxLoop(scripted.sender, { intervalMs });
  try {
    await body(loop, scripted);
  } finally {
    for (const end of scripted.ends) end();
    await loop.stop();
  }
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('runOutboxLoop', () => {
  it('drains at once when started, then again at once when nudged', () =>
    withLoop(60_000, async (loop, { ends, started }) => {
      expect(await started(1)).toBe(1);
      ends[0]!();
      loop.nudge();
      expect(await started(2)).toBe(2);
    }));

  it('a nudge during a drain that ends before the nudge timer fires still drains again (not at the next interval)', () =>
    withLoop(60_000, async (loop, { ends, started }) => {
      expect(await started(1)).toBe(1);
      // the nudge lands while the first drain runs, and that drain ends in the same turn
      loop.nudge();
      ends[0]!();
      expect(await started(2)).toBe(2);
    }));

  it('nudges during one drain make one more drain, not one each', () =>
    withLoop(60_000, async (loop, { ends, started }) => {
      expect(await started(1)).toBe(1);
      loop.nudge();
      await pause(20);
      loop.nudge();
      ends[0]!();
      expect(await started(2)).toBe(2);
      await pause(50);
      expect(ends).toHaveLength(2);
    }));

  it('drains again every interval without a nudge', () =>
    withLoop(30, async (_loop, { ends, started }) => {
      expect(await started(1)).toBe(1);
      ends[0]!();
      expect(await started(2)).toBe(2);
      ends[1]!();
      expect(await started(3)).toBe(3);
    }));

  it('stop waits for the drain in progress and no drain starts after it', async () => {
    const { sender, ends, started } = scriptedSender();
    const loop = runOutboxLoop(sender, { intervalMs: 60_000 });
    expect(await started(1)).toBe(1);
    loop.nudge();
    let stoppedAt = 0;
    const stopping = loop.stop().then(() => (stoppedAt = ends.length));
    await pause(20);
    expect(stoppedAt).toBe(0); // still waiting for the drain
    ends[0]!();
    await stopping;
    await pause(50);
    expect(ends).toHaveLength(1);
  });
});
