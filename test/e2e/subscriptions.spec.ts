import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Injectable } from '@nestjs/common';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ResourceUpdatedNotificationSchema, ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { McpNotifications, McpResource, McpStaticTokens, McpTool, RequireScopes, type McpAuthorizationContext } from 'nestjs-mcp-auth';
import { ADAPTERS, startFixture, type Fixture } from '../fixtures/app.fixture.js';
import { connectModernClient, envelope, standardHeaders } from '../fixtures/modern.fixture.js';

const Flag = { open: true };

@Injectable()
class WatchedResources {
  @McpResource({ uri: 'notes://public', description: 'Anyone' })
  publicNote() {
    return 'public';
  }

  @McpResource({ uri: 'notes://secret', description: 'Admins only', auth: RequireScopes('admin') })
  secretNote() {
    return 'secret';
  }

  @McpResource({ uri: 'notes://flagged', description: 'Readable while the flag is open', auth: (_: McpAuthorizationContext) => Flag.open })
  flagged() {
    return 'flagged';
  }

  @McpTool({ description: 'A tool, so tools lists exist' })
  ping() {
    return 'pong';
  }
}

const TOKENS = {
  'alice-token-0123456789abcdef': { principal: { sub: 'alice' }, scopes: ['admin'] },
  'bob-token-0123456789abcdef012': { principal: { sub: 'bob' }, scopes: [] },
};
const alice = { authorization: 'Bearer alice-token-0123456789abcdef' };
const bob = { authorization: 'Bearer bob-token-0123456789abcdef012' };
const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A raw 2026-07-28 `subscriptions/listen` stream: its events as they arrive. */
async function listen(url: URL, headers: Record<string, string>, notifications: Record<string, unknown>, id = 'sub-1') {
  const controller = new AbortController();
  const response = await fetch(url, {
    method: 'POST',
    signal: controller.signal,
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...standardHeaders('subscriptions/listen'), ...headers },
    body: JSON.stringify({ jsonrpc: '2.0', id, method: 'subscriptions/listen', params: { notifications, _meta: envelope() } }),
  });
  const events: any[] = [];
  let comments = 0;
  const done = (async () => {
    if (/application\/json/.test(response.headers.get('content-type') ?? '')) {
      events.push(await response.json());
      return;
    }
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let at: number;
        while ((at = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, at);
          buffer = buffer.slice(at + 2);
          for (const line of block.split('\n')) {
            if (line.startsWith('data: ')) events.push(JSON.parse(line.slice(6)));
            else if (line.startsWith(':')) comments++;
          }
        }
      }
    } catch {
      // aborted
    }
  })();
  const until = async (count: number) => {
    for (let i = 0; i < 200 && events.length < count; i++) await wait(10);
    return events;
  };
  return { response, events, until, close: () => controller.abort(), done, comments: () => comments };
}

for (const adapter of ADAPTERS) {
  describe(`subscriptions and change notifications (${adapter})`, () => {
    let fixture: Fixture;
    let notifications: McpNotifications;
    before(async () => {
      fixture = await startFixture({
        adapter,
        components: [WatchedResources],
        mcp: { allowAnonymous: false, resource: 'https://mcp.test.example/mcp', authenticate: [McpStaticTokens({ tokens: TOKENS })], http: { mode: 'stateful', keepAliveMs: 1000 } },
      });
      notifications = fixture.app.get(McpNotifications);
    });
    after(() => fixture.close());

    describe('2026-07-28: subscriptions/listen', () => {
      it('acknowledges first with the subscription id and what it honours; a URI the caller may not read is left out like a missing one', async () => {
        const stream = await listen(fixture.url, bob, { toolsListChanged: true, resourceSubscriptions: ['notes://public', 'notes://secret', 'notes://nowhere'] }, 'b-1');
        try {
          assert.equal(stream.response.status, 200);
          const [ack] = await stream.until(1);
          assert.deepEqual(ack, {
            jsonrpc: '2.0',
            method: 'notifications/subscriptions/acknowledged',
            params: { _meta: { 'io.modelcontextprotocol/subscriptionId': 'b-1' }, notifications: { toolsListChanged: true, resourceSubscriptions: ['notes://public'] } },
          });
          await notifications.resourceUpdated('notes://public');
          await notifications.resourceUpdated('notes://secret');
          notifications.listChanged('tools');
          notifications.listChanged('prompts');
          const events = await stream.until(3);
          await wait(50);
          assert.deepEqual(
            stream.events.slice(1).map((e) => [e.method, e.params.uri, e.params._meta['io.modelcontextprotocol/subscriptionId']]),
            [
              ['notifications/resources/updated', 'notes://public', 'b-1'],
              ['notifications/tools/list_changed', undefined, 'b-1'],
            ],
          );
          assert.equal(events.length, 3);
        } finally {
          stream.close();
          await stream.done;
        }
      });

      it('an update reaches a listener only while it may read the resource', async () => {
        Flag.open = true;
        const stream = await listen(fixture.url, alice, { resourceSubscriptions: ['notes://flagged'] });
        try {
          await stream.until(1);
          Flag.open = false;
          await notifications.resourceUpdated('notes://flagged');
          Flag.open = true;
          await notifications.resourceUpdated('notes://flagged');
          await stream.until(2);
          await wait(50);
          assert.equal(stream.events.length, 2);
        } finally {
          Flag.open = true;
          stream.close();
          await stream.done;
        }
      });

      it('closing the stream ends the subscription', async () => {
        // The module's own registry of open streams (the app resolves the built package's classes).
        const subscriptions = notifications['subscriptions'] as unknown as { listening: number };
        for (let i = 0; i < 100 && subscriptions.listening > 0; i++) await wait(10); // earlier tests' streams
        const before = subscriptions.listening;
        const stream = await listen(fixture.url, alice, { toolsListChanged: true });
        await stream.until(1);
        assert.equal(subscriptions.listening, before + 1);
        stream.close();
        await stream.done;
        for (let i = 0; i < 100 && subscriptions.listening > before; i++) await wait(10);
        assert.equal(subscriptions.listening, before);
      });

      it('the server shutting down ends each stream with its result (a graceful end)', async () => {
        const own = await startFixture({ adapter, components: [WatchedResources], mcp: { http: { mode: 'stateful' } } });
        const stream = await listen(own.url, {}, { toolsListChanged: true }, 'bye');
        await stream.until(1);
        await own.close();
        await stream.done;
        const last = stream.events.at(-1);
        assert.deepEqual(last?.result?._meta?.['io.modelcontextprotocol/subscriptionId'], 'bye');
        assert.equal(last?.result?.resultType, 'complete');
      });

      it('keep-alive comments flow while the stream is quiet', async () => {
        const stream = await listen(fixture.url, alice, { toolsListChanged: true });
        try {
          await stream.until(1);
          for (let i = 0; i < 300 && stream.comments() === 0; i++) await wait(10);
          assert.ok(stream.comments() > 0);
        } finally {
          stream.close();
          await stream.done;
        }
      });

      it('a client that does not accept an event stream gets 406', async () => {
        const response = await fetch(fixture.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json', ...standardHeaders('subscriptions/listen'), ...alice },
          body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'subscriptions/listen', params: { notifications: {}, _meta: envelope() } }),
        });
        assert.equal(response.status, 406);
      });

      it('malformed filters are -32602', async () => {
        for (const filter of [{ toolsListChanged: 'yes' }, { resourceSubscriptions: 'notes://public' }, { resourceSubscriptions: [1] }]) {
          const stream = await listen(fixture.url, alice, filter);
          const [reply] = await stream.until(1);
          assert.equal(reply.error?.code, -32602, JSON.stringify(filter));
          stream.close();
          await stream.done;
        }
      });

      it('the 2026-07-28 SDK client listens and hears a resource update', async () => {
        const client = await connectModernClient(fixture.url, alice);
        const heard: string[] = [];
        client.setNotificationHandler('notifications/resources/updated' as never, ((n: any) => void heard.push(n.params.uri)) as never);
        try {
          const subscription = await (client as any).listen({ resourceSubscriptions: ['notes://public'] });
          await notifications.resourceUpdated('notes://public');
          for (let i = 0; i < 100 && !heard.length; i++) await wait(10);
          assert.deepEqual(heard, ['notes://public']);
          await subscription.close();
        } finally {
          await client.close();
        }
      });
    });

    describe('2025: resources/subscribe on a session', () => {
      async function legacy(headers: Record<string, string>) {
        const client = new Client({ name: 'legacy', version: '1' });
        const heard: string[] = [];
        client.setNotificationHandler(ResourceUpdatedNotificationSchema, async (n) => void heard.push(n.params.uri));
        client.setNotificationHandler(ToolListChangedNotificationSchema, async () => void heard.push('tools changed'));
        await client.connect(new StreamableHTTPClientTransport(fixture.url, { requestInit: { headers } }));
        await wait(100); // the session's GET stream opens after initialize
        return { client, heard };
      }

      it('advertises subscribe; a subscriber hears of updates to what it subscribed to, and of list changes', async () => {
        const { client, heard } = await legacy(alice);
        try {
          assert.equal(client.getServerCapabilities()?.resources?.subscribe, true);
          await client.subscribeResource({ uri: 'notes://secret' });
          await notifications.resourceUpdated('notes://secret');
          await notifications.resourceUpdated('notes://public');
          notifications.listChanged('tools');
          for (let i = 0; i < 100 && heard.length < 2; i++) await wait(10);
          await wait(50);
          assert.deepEqual(heard, ['notes://secret', 'tools changed']);
          await client.unsubscribeResource({ uri: 'notes://secret' });
          await notifications.resourceUpdated('notes://secret');
          await wait(50);
          assert.equal(heard.length, 2);
        } finally {
          await client.close();
        }
      });

      it('subscribing to a resource the caller may not read answers like subscribing to a missing one', async () => {
        const { client } = await legacy(bob);
        try {
          const hidden = await client.subscribeResource({ uri: 'notes://secret' }).then(() => 'ok', (e: Error) => e.message);
          const missing = await client.subscribeResource({ uri: 'notes://nowhere' }).then(() => 'ok', (e: Error) => e.message);
          assert.equal(hidden, missing.replaceAll('nowhere', 'secret'));
          assert.match(hidden, /Resource not found/);
        } finally {
          await client.close();
        }
      });
    });
  });
}
