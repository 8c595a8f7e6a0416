import 'reflect-metadata';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { Controller, Get, UseGuards } from '@nestjs/common';
import { McpAuthenticationGuard, McpJwt } from 'nestjs-mcp-auth';
import { ADAPTERS, type Fixture } from '../fixtures/app.fixture.js';
import { authErrorBody, probeResult, startAuthApp } from '../fixtures/auth-app.fixture.js';
import { PRM_URL, PrincipalProbe, probeCall, RESOURCE } from '../fixtures/auth.fixture.js';
import { startIdp, type TestIdp } from '../fixtures/idp.fixture.js';

const CLIENTS = [
  { id: 'agent-reader', secret: 'reader-secret-0123456789', scopes: ['notes:read'] },
  { id: 'agent-writer', secret: 'writer-secret-0123456789', scopes: ['notes:read', 'notes:write'] },
];
const CHALLENGE = `Bearer error="invalid_request", error_description="The request carries more than one Authorization header", resource_metadata="${PRM_URL}"`;
const BAD_REQUEST = 'Bad Request: the authorization request is malformed';

/** An app route behind the module's guard: the same refusal holds off the MCP route. */
@Controller('whoami')
@UseGuards(McpAuthenticationGuard)
class WhoAmIController {
  static calls = 0;
  @Get()
  whoami(): string {
    WhoAmIController.calls++;
    return 'ok';
  }
}

interface Reply {
  status: number;
  challenge: string | undefined;
  text: string;
}

/**
 * A request with its header lines given as a raw [name, value, name, value, ...] list, so a header can repeat
 * (fetch and Headers would merge repeated lines into one).
 */
function send(url: URL, lines: string[], body?: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    // A raw list gets no Host line from node:http, and HTTP/1.1 servers refuse a request without one.
    const json = body === undefined ? [] : ['Content-Type', 'application/json', 'Accept', 'application/json, text/event-stream'];
    const headers = ['Host', url.host, ...lines, ...json];
    const req = request(url, { method: body === undefined ? 'GET' : 'POST', headers, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, challenge: res.headers['www-authenticate'], text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

for (const adapter of ADAPTERS) {
  describe(`more than one Authorization header is invalid_request (RFC 6750 §3.1) (${adapter})`, () => {
    let idp: TestIdp;
    let app: Fixture;
    let reader: string;
    let writer: string;

    before(async () => {
      idp = await startIdp(CLIENTS, RESOURCE);
      app = await startAuthApp(adapter, {
        mcp: { authenticate: [McpJwt({ jwksUri: idp.jwksUri, issuer: idp.issuer })] },
        controllers: [WhoAmIController],
      });
      [reader, writer] = await Promise.all([idp.token('agent-reader'), idp.token('agent-writer')]);
    });
    after(async () => {
      await app?.close();
      await idp?.close();
    });

    /** Asserts the 400 challenge and that the probe handler did not run. */
    async function assertRefused(lines: string[]): Promise<void> {
      const calls = PrincipalProbe.calls;
      const reply = await send(app.url, lines, JSON.stringify(probeCall()));
      assert.equal(reply.status, 400, reply.text);
      assert.equal(reply.challenge, CHALLENGE);
      assert.deepEqual(JSON.parse(reply.text), authErrorBody(BAD_REQUEST));
      assert.equal(PrincipalProbe.calls, calls, 'the handler did not run');
    }

    it('one Authorization header with a real token is served (the control)', async () => {
      const reply = await send(app.url, ['Authorization', `Bearer ${reader}`], JSON.stringify(probeCall()));
      assert.equal(reply.status, 200, reply.text);
      assert.equal((await probeResult(new Response(reply.text))).sub, 'agent-reader');
    });

    it('two valid tokens of different principals get 400, whichever a proxy would have read', async () => {
      await assertRefused(['Authorization', `Bearer ${reader}`, 'Authorization', `Bearer ${writer}`]);
      await assertRefused(['Authorization', `Bearer ${writer}`, 'Authorization', `Bearer ${reader}`]);
    });

    it('the same token twice, a valid token beside garbage or an empty line, and any name case, get 400', async () => {
      await assertRefused(['Authorization', `Bearer ${reader}`, 'Authorization', `Bearer ${reader}`]);
      await assertRefused(['Authorization', `Bearer ${reader}`, 'Authorization', 'Bearer garbage']);
      await assertRefused(['Authorization', '', 'Authorization', `Bearer ${reader}`]);
      await assertRefused(['authorization', `Bearer ${reader}`, 'AUTHORIZATION', `Bearer ${writer}`]);
      await assertRefused(['X-Other', 'a', 'aUtHoRiZaTiOn', `Bearer ${reader}`, 'X-More', 'b', 'Authorization', `Basic ${btoa('a:b')}`]);
    });

    it('the repeated header is refused on an app route behind McpAuthenticationGuard too, before its handler', async () => {
      const calls = WhoAmIController.calls;
      const reply = await send(new URL('/whoami', app.base), ['Authorization', `Bearer ${reader}`, 'Authorization', `Bearer ${writer}`]);
      assert.equal(reply.status, 400, reply.text);
      assert.equal(reply.challenge, CHALLENGE);
      assert.equal(WhoAmIController.calls, calls);
      const single = await send(new URL('/whoami', app.base), ['Authorization', `Bearer ${reader}`]);
      assert.equal(single.status, 200, single.text);
      assert.equal(WhoAmIController.calls, calls + 1);
    });

    it('headers that merely contain the name (Proxy-Authorization, X-Authorization) do not count', async () => {
      const lines = ['Proxy-Authorization', 'Basic eA==', 'X-Authorization', 'x', 'Authorization', `Bearer ${reader}`];
      const reply = await send(app.url, lines, JSON.stringify(probeCall()));
      assert.equal(reply.status, 200, reply.text);
    });
  });
}
