import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { describe, it } from 'node:test';
import { describeError, summarizeFailures, withConcurrency } from '../fixtures/load.support.js';
import { rawRequest } from '../security/security.support.js';

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('load test failures say why', () => {
  it('a fetch failure names the code of its cause, not only "fetch failed"', async () => {
    const port = await closedPort();
    const error = await fetch(`http://127.0.0.1:${port}/mcp`).then(() => undefined, (caught: unknown) => caught);
    const text = describeError(error);
    assert.match(text, /^TypeError: fetch failed ← ECONNREFUSED connect \(Error: connect ECONNREFUSED 127\.0\.0\.1:\d+\)$/);
  });

  it('a node:http failure names its code', async () => {
    const port = await closedPort();
    const error = await rawRequest(new URL(`http://127.0.0.1:${port}/mcp`)).then(() => undefined, (caught: unknown) => caught);
    assert.match(describeError(error), /^ECONNREFUSED connect \(Error: connect ECONNREFUSED/);
  });

  it('groups failures by cause, largest group first, with examples', () => {
    const summary = summarizeFailures(
      [
        { id: 3, cause: 'HTTP 503, no result for its id', detail: 'busy' },
        { id: 5, cause: 'ECONNRESET read' },
        { id: 9, cause: 'ECONNRESET read' },
      ],
      100,
    );
    assert.equal(summary, '3 of 100 requests failed, by cause:\n  2 × ECONNRESET read\n    e.g. #5\n         #9\n  1 × HTTP 503, no result for its id\n    e.g. #3: busy');
  });

  it('keeps at most the given number in flight, and reaches it', async () => {
    let inFlight = 0;
    let most = 0;
    const peak = await withConcurrency(50, 8, async () => {
      most = Math.max(most, ++inFlight);
      await new Promise((resolve) => setTimeout(resolve, 1));
      inFlight--;
    });
    assert.equal(most, 8);
    assert.equal(peak, 8);
  });
});
