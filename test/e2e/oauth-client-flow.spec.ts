import 'reflect-metadata';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { UnauthorizedError, type OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { OAuthClientInformationMixed, OAuthClientMetadata, OAuthTokens } from '@modelcontextprotocol/sdk/shared/auth.js';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { McpJwt } from 'nestjs-mcp-auth';
import { ADAPTERS, post, type AdapterName } from '../fixtures/app.fixture.js';
import { authTestModule } from '../fixtures/auth-app.fixture.js';
import { challengeParams, probeCall } from '../fixtures/auth.fixture.js';
import { authorizeInteractively, startAuthorizationCodeIdp, type AuthorizationCodeIdp } from '../fixtures/oauth-idp.fixture.js';

const SCOPES = ['notes:read'];
const REDIRECT_URI = 'http://127.0.0.1:1/oauth/callback'; // never contacted: the test reads the code from the redirect

/** An MCP client's OAuth state, in memory, as a desktop client would keep it. Records the authorization URL it was sent to. */
class InMemoryOAuthProvider implements OAuthClientProvider {
  authorizationUrl?: URL;
  information?: OAuthClientInformationMixed;
  saved?: OAuthTokens;
  private verifier?: string;

  get redirectUrl(): string {
    return REDIRECT_URI;
  }

  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: 'nestjs-mcp-auth e2e client',
      redirect_uris: [REDIRECT_URI],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    };
  }

  clientInformation() {
    return this.information;
  }
  saveClientInformation(information: OAuthClientInformationMixed) {
    this.information = information;
  }
  tokens() {
    return this.saved;
  }
  saveTokens(tokens: OAuthTokens) {
    this.saved = tokens;
  }
  redirectToAuthorization(url: URL) {
    this.authorizationUrl = url;
  }
  saveCodeVerifier(verifier: string) {
    this.verifier = verifier;
  }
  codeVerifier() {
    if (!this.verifier) throw new Error('no code verifier saved');
    return this.verifier;
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

for (const adapter of ADAPTERS) {
  describe(`OAuth for MCP clients: the SDK client from 401 to a tool call, remote authorization server (${adapter})`, () => {
    let idp: AuthorizationCodeIdp;
    let app: Awaited<ReturnType<typeof NestFactory.create>>;
    let resource: string;
    /** `METHOD URL -> status` of every request the SDK client sent. */
    const traffic: string[] = [];
    const recordingFetch: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      const url = new URL(input instanceof Request ? input.url : String(input));
      traffic.push(`${init?.method ?? (input instanceof Request ? input.method : 'GET')} ${url.origin}${url.pathname} -> ${response.status}`);
      return response;
    };

    before(async () => {
      const port = await freePort();
      resource = `http://127.0.0.1:${port}/mcp`;
      idp = await startAuthorizationCodeIdp(resource, SCOPES);
      const module = authTestModule({
        mcp: {
          resource,
          requiredScopes: SCOPES,
          authenticate: [McpJwt({ jwksUri: `${idp.issuer}/jwks`, issuer: idp.issuer, typ: 'at+jwt' })],
          authorizationServer: { mode: 'remote', issuer: idp.issuer, mirrorMetadata: true },
          outbound: { allow: [idp.issuer] },
        },
      });
      app = await NestFactory.create(module, (adapter === 'fastify' ? new FastifyAdapter() : new ExpressAdapter()) as never, { logger: false });
      await app.listen(port, '127.0.0.1');
    });
    after(async () => {
      await app.close();
      await idp.close();
    });

    it('registers, authorizes with PKCE S256 for the resource, gets a token bound to it, and calls the tool', async () => {
      const provider = new InMemoryOAuthProvider();
      const mcpUrl = new URL(resource);

      // 1. No token: the transport meets 401, discovers, registers, and sends the user to the authorization server.
      const first = new StreamableHTTPClientTransport(mcpUrl, { authProvider: provider, fetch: recordingFetch });
      await assert.rejects(new Client({ name: 'e2e', version: '1.0.0' }).connect(first), UnauthorizedError);
      const origin = `http://127.0.0.1:${mcpUrl.port}`;
      assert.deepEqual(traffic, [
        `POST ${resource} -> 401`,
        `GET ${origin}/.well-known/oauth-protected-resource/mcp -> 200`,
        `GET ${idp.issuer}/.well-known/oauth-authorization-server -> 200`,
        `POST ${idp.issuer}/reg -> 201`, // dynamic client registration (RFC 7591)
      ]);
      const clientId = provider.information?.client_id;
      assert.ok(clientId);

      const authorization = provider.authorizationUrl!;
      assert.ok(authorization, 'the client was sent to authorize');
      assert.equal(authorization.origin, idp.issuer);
      assert.equal(authorization.searchParams.get('response_type'), 'code');
      assert.equal(authorization.searchParams.get('client_id'), clientId);
      assert.equal(authorization.searchParams.get('code_challenge_method'), 'S256');
      assert.match(authorization.searchParams.get('code_challenge') ?? '', /^[\w-]{43}$/);
      assert.equal(authorization.searchParams.get('resource'), resource, 'RFC 8707: the token is asked for this resource');
      assert.equal(authorization.searchParams.get('scope'), 'notes:read', 'the scope from the 401 challenge');

      // 2. The user signs in and consents; the code comes back to the redirect URI.
      const code = await authorizeInteractively(authorization, REDIRECT_URI, 'alice');

      // 3. Code + verifier for a token (the SDK sends `resource` again).
      await first.finishAuth(code);
      assert.equal(traffic.at(-1), `POST ${idp.issuer}/token -> 200`);
      const accessToken = provider.saved?.access_token;
      assert.ok(accessToken);
      const claims = decodeJwt(accessToken);
      assert.equal(decodeProtectedHeader(accessToken).typ, 'at+jwt');
      assert.equal(claims.iss, idp.issuer);
      assert.equal(claims.aud, resource, 'bound to the MCP resource');
      assert.equal(claims.sub, 'alice');
      assert.equal(claims.client_id, clientId);
      assert.equal(claims.scope, 'notes:read');

      // 4. With the token the client connects and calls a tool; the handler sees the user and the client.
      const client = new Client({ name: 'e2e', version: '1.0.0' });
      await client.connect(new StreamableHTTPClientTransport(mcpUrl, { authProvider: provider, fetch: recordingFetch }));
      const result = await client.callTool({ name: 'principal', arguments: {} });
      assert.deepEqual(result.structuredContent, {
        sub: 'alice',
        clientId,
        scopes: ['notes:read'],
        roles: [],
        source: 'jwt',
        hasToken: false,
      });
      await client.close();
      assert.ok(!traffic.some((line) => line.includes(accessToken)), 'the token never appears in a URL');
    });

    it('the 401 that starts it has no error code and names the metadata and the scope (RFC 6750 §3.1)', async () => {
      const response = await post(new URL(resource), probeCall());
      assert.equal(response.status, 401);
      assert.deepEqual(challengeParams(response.headers.get('www-authenticate')), {
        resource_metadata: `${new URL(resource).origin}/.well-known/oauth-protected-resource/mcp`,
        scope: 'notes:read',
      });
    });

    it('a token the same authorization server issued for another resource is refused at the authorization server', async () => {
      // The flow's `resource` is what binds the token: asking for another one fails before any token exists.
      const provider = new InMemoryOAuthProvider();
      const transport = new StreamableHTTPClientTransport(new URL(resource), { authProvider: provider });
      await assert.rejects(new Client({ name: 'e2e', version: '1.0.0' }).connect(transport), UnauthorizedError);
      const url = new URL(provider.authorizationUrl!);
      url.searchParams.set('resource', 'https://other.example/api');
      await assert.rejects(authorizeInteractively(url, REDIRECT_URI, 'mallory'), /invalid_target/);
    });

    it('the same client, holding its token, is refused once the token is tampered with', async () => {
      const provider = new InMemoryOAuthProvider();
      const transport = new StreamableHTTPClientTransport(new URL(resource), { authProvider: provider });
      await assert.rejects(new Client({ name: 'e2e', version: '1.0.0' }).connect(transport), UnauthorizedError);
      await transport.finishAuth(await authorizeInteractively(provider.authorizationUrl!, REDIRECT_URI, 'bob'));
      const [header, payload, signature] = provider.saved!.access_token.split('.');
      const forged = Buffer.from(JSON.stringify({ ...decodeJwt(provider.saved!.access_token), sub: 'admin' })).toString('base64url');
      const response = await post(new URL(resource), probeCall(), { authorization: `Bearer ${header}.${forged}.${signature}` });
      assert.equal(response.status, 401);
      assert.equal(challengeParams(response.headers.get('www-authenticate')).error, 'invalid_token');
      const genuine = await post(new URL(resource), probeCall(), { authorization: `Bearer ${header}.${payload}.${signature}` });
      assert.equal(genuine.status, 200);
    });
  });
}
