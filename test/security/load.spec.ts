import 'reflect-metadata';
import assert from 'node:assert/strict';
import { Agent } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { ADAPTERS, type Fixture } from '../fixtures/app.fixture.js';
import { startAuthApp } from '../fixtures/auth-app.fixture.js';
import { PrincipalProbe, probeCall } from '../fixtures/auth.fixture.js';
import { describeError, summarizeFailures, type LoadFailure } from '../fixtures/load.support.js';
import { bearer, JSON_HEADERS, rawRequest, staticPrincipals } from './security.support.js';

/**
 * Noisy neighbours and cross-talk under load: 10,000 tools/call from 100 principals over 64 keep-alive connections
 * (loopback only). No request may fail, every handler must see exactly its own caller, and memory must settle.
 */

const PRINCIPALS = 100;
const CALLS = 10_000;
const CONNECTIONS = 64;
const WARM_UP = 3_000;

const { callers, authenticate } = staticPrincipals(PRINCIPALS, 'load');

/** `global.gc`, exposed at run time (node --test offers no way to pass --expose-gc to the test process). */
function collector(): () => void {
  let gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) {
    try {
      setFlagsFromString('--expose-gc');
      gc = runInNewContext('gc') as () => void;
    } catch {
      gc = () => undefined; // measured after a warm-up anyway
    }
  }
  return gc;
}

/** Memory after two collections with a turn of the event loop between (buffers freed by finalizers go too). */
async function settledMemory(gc: () => void): Promise<NodeJS.MemoryUsage> {
  gc();
  await new Promise((resolve) => setImmediate(resolve));
  gc();
  return process.memoryUsage();
}

interface RunResult {
  failures: LoadFailure[];
  sockets: Set<number>;
  ms: number;
}

/** `count` probe calls, ids from `first`, pulled by `CONNECTIONS` workers sharing one bounded keep-alive agent. */
async function run(app: Fixture, agent: Agent, first: number, count: number): Promise<RunResult> {
  const failures: LoadFailure[] = [];
  const sockets = new Set<number>();
  let next = first;
  const end = first + count;
  const started = Date.now();
  const worker = async () => {
    while (next < end) {
      const id = next++;
      const caller = callers[(id * 7919) % PRINCIPALS]; // scattered, deterministic: neighbours interleave
      try {
        const response = await rawRequest(app.url, {
          agent,
          headers: { ...JSON_HEADERS, accept: 'application/json', ...bearer(caller.token) },
          body: JSON.stringify(probeCall(id)),
        });
        const body = JSON.parse(response.text) as { id: number; result?: { structuredContent?: { sub: string; clientId: string } } };
        const seen = body.result?.structuredContent;
        if (response.status !== 200 || body.id !== id || !seen) {
          failures.push({ id, cause: `HTTP ${response.status}, no result for its id`, detail: response.text.slice(0, 160) });
        } else if (seen.sub !== caller.sub || seen.clientId !== caller.clientId) {
          failures.push({ id, cause: 'saw another principal', detail: `${caller.sub} saw ${seen.sub}/${seen.clientId}` });
        }
      } catch (error) {
        failures.push({ id, cause: describeError(error) });
      }
    }
  };
  const track = (socket: { localPort?: number }) => socket.localPort && sockets.add(socket.localPort);
  agent.on('free', track);
  await Promise.all(Array.from({ length: CONNECTIONS }, worker));
  agent.off('free', track);
  return { failures, sockets, ms: Date.now() - started };
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

for (const adapter of ADAPTERS) {
  describe(`load and isolation (${adapter})`, () => {
    let app: Fixture;
    let agent: Agent;
    before(async () => {
      app = await startAuthApp(adapter, { mcp: { authenticate } });
      agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS, maxFreeSockets: CONNECTIONS });
    });
    after(async () => {
      agent?.destroy();
      await app?.close();
    });

    it(
      `${CALLS} tools/call from ${PRINCIPALS} principals over ${CONNECTIONS} connections: no failure, each sees itself, RSS within 1.5×`,
      { timeout: 60_000 },
      async (t) => {
        const gc = collector();
        const calls = PrincipalProbe.calls;
        const warm = await run(app, agent, 0, WARM_UP);
        assert.equal(warm.failures.length, 0, summarizeFailures(warm.failures, WARM_UP));
        const { rss: before, heapUsed: heapBefore } = await settledMemory(gc);

        const result = await run(app, agent, WARM_UP, CALLS);
        const { rss: after, heapUsed: heapAfter } = await settledMemory(gc);
        t.diagnostic(
          `${adapter}: ${CALLS} calls in ${result.ms} ms (${Math.round((CALLS * 1000) / result.ms)}/s) on ${result.sockets.size} sockets; ` +
            `RSS ${mb(before)} → ${mb(after)}, heap ${mb(heapBefore)} → ${mb(heapAfter)}`,
        );

        assert.equal(result.failures.length, 0, summarizeFailures(result.failures, CALLS));
        assert.equal(PrincipalProbe.calls - calls, WARM_UP + CALLS, 'every call ran its handler exactly once');
        assert.ok(result.sockets.size <= CONNECTIONS, `${result.sockets.size} sockets for ${CONNECTIONS} connections`);
        assert.ok(result.sockets.size > CONNECTIONS / 2, `the load really was concurrent (${result.sockets.size} sockets)`);
        assert.ok(after <= before * 1.5, `RSS grew from ${mb(before)} to ${mb(after)}`);
        // The heap after a collection is the finer measure: a leak of a few kB per call would show here first.
        assert.ok(heapAfter <= heapBefore * 1.5, `heap grew from ${mb(heapBefore)} to ${mb(heapAfter)}`);
      },
    );
  });
}
