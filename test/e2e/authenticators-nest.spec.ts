import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Controller, Get, Injectable, UseGuards } from '@nestjs/common';
import { JwtModule, JwtService } from '@nestjs/jwt';
import { PassportStrategy } from '@nestjs/passport';
import { SignJWT } from 'jose';
import passport from 'passport';
import { Strategy as BearerBase } from 'passport-http-bearer';
import {
  McpAuthenticationGuard,
  McpFromRequestUser,
  McpJwt,
  McpPassport,
  McpPrincipal,
  McpStaticTokens,
} from 'nestjs-mcp-auth';
import { ADAPTERS, post, type Fixture } from '../fixtures/app.fixture.js';
import { authErrorBody, bearer, INVALID_TOKEN, probeResult, startAuthApp, UNAUTHORIZED } from '../fixtures/auth-app.fixture.js';
import { PRM_URL, probeCall, RESOURCE } from '../fixtures/auth.fixture.js';

const INVALID_TOKEN_CHALLENGE = `Bearer error="invalid_token", error_description="The access token is invalid or expired", resource_metadata="${PRM_URL}"`;
const NO_CREDENTIALS_CHALLENGE = `Bearer resource_metadata="${PRM_URL}"`;
const SECRET = 'jwt-module-secret-0123456789abcdef';

async function assertRefused(response: Response, challenge: string, message: string): Promise<void> {
  assert.equal(response.status, 401);
  assert.equal(response.headers.get('www-authenticate'), challenge);
  assert.deepEqual(await response.json(), authErrorBody(message));
}

/** passport-http-bearer, registered the Nest way. */
@Injectable()
class BearerStrategy extends PassportStrategy(BearerBase, 'bearer') {
  validate(token: string) {
    return token === 'bearer-good' ? { id: 'bearer-user', scopes: ['notes:read'], roles: ['reader'] } : null;
  }
}

/** A minimal header strategy (`x-api-key`), as apps write their own. */
class HeaderKeyBase extends passport.Strategy {
  constructor(private readonly verify: (key: string, done: (error: unknown, user?: unknown) => void) => void) {
    super();
  }
  override authenticate(this: any, req: { headers: Record<string, unknown> }): void {
    const key = req.headers['x-api-key'];
    if (typeof key !== 'string') return this.fail(401);
    this.verify(key, (error: unknown, user: unknown) => (error ? this.error(error) : user ? this.success(user) : this.fail(401)));
  }
}

@Injectable()
class ApiKeyStrategy extends PassportStrategy(HeaderKeyBase, 'api-key') {
  validate(key: string) {
    return key === 'key-good' ? { sub: 'api-key-user', scope: 'notes:write' } : null;
  }
}

/** The app's own REST route, guarded by McpAuthenticationGuard. */
@Controller('api')
class MeController {
  @Get('me')
  @UseGuards(McpAuthenticationGuard)
  me(@McpPrincipal() who: McpPrincipal, @McpPrincipal('source') source: string) {
    return { sub: who.principal.sub, clientId: who.clientId ?? null, scopes: who.scopes, roles: who.roles, source };
  }
}

const shape = (sub: string, source: string, rest: Record<string, unknown> = {}) => ({
  sub,
  clientId: null,
  scopes: [],
  roles: [],
  source,
  hasToken: false,
  ...rest,
});

for (const adapter of ADAPTERS) {
  describe(`Passport strategies through McpPassport (${adapter})`, () => {
    let app: Fixture;
    before(async () => {
      app = await startAuthApp(adapter, {
        mcp: { authenticate: [McpPassport(['api-key', 'bearer'])] },
        providers: [BearerStrategy, ApiKeyStrategy],
      });
    });
    after(() => app.close());

    it("McpPassport('bearer') with passport-http-bearer: the strategy's user becomes the principal", async () => {
      const response = await post(app.url, probeCall(), bearer('bearer-good'));
      assert.deepEqual(await probeResult(response), shape('bearer-user', 'passport', { scopes: ['notes:read'], roles: ['reader'] }));
      await assertRefused(await post(app.url, probeCall(), bearer('bearer-bad')), INVALID_TOKEN_CHALLENGE, INVALID_TOKEN);
      await assertRefused(await post(app.url, probeCall()), NO_CREDENTIALS_CHALLENGE, UNAUTHORIZED);
    });

    it("strategies are tried in order: 'api-key' wins over 'bearer' when both succeed", async () => {
      const both = await post(app.url, probeCall(), { 'x-api-key': 'key-good', ...bearer('bearer-good') });
      assert.deepEqual(await probeResult(both), shape('api-key-user', 'passport', { scopes: ['notes:write'] }));
      const fallsThrough = await post(app.url, probeCall(), { 'x-api-key': 'key-bad', ...bearer('bearer-good') });
      assert.equal((await probeResult(fallsThrough)).sub, 'bearer-user');
    });

    // MCP authorization spec: tokens come only in the Authorization header, never in the query string; and
    // never inside the JSON-RPC message. passport-http-bearer reads both `req.query` and `req.body`.
    it('a token in the query string is never accepted', async () => {
      const query = await post(new URL(`${app.url.href}?access_token=bearer-good`), probeCall());
      await assertRefused(query, NO_CREDENTIALS_CHALLENGE, UNAUTHORIZED);
    });

    it('a token in the JSON-RPC body is never accepted', async () => {
      const body = await post(app.url, { ...probeCall(), access_token: 'bearer-good' });
      await assertRefused(body, NO_CREDENTIALS_CHALLENGE, UNAUTHORIZED);
    });
  });

  describe(`McpFromRequestUser with the app's own middleware (${adapter})`, () => {
    let app: Fixture;
    before(async () => {
      app = await startAuthApp(adapter, {
        mcp: { authenticate: [McpFromRequestUser()] },
        middleware: (req, _res, next) => {
          const name = req.headers['x-session-user'];
          if (name) req.user = { id: name, scopes: ['notes:read'], roles: ['member'] };
          next();
        },
      });
    });
    after(() => app.close());

    it('req.user set by middleware before the MCP route is the principal', async () => {
      const response = await post(app.url, probeCall(), { 'x-session-user': 'carol' });
      assert.equal(response.status, 200);
      assert.deepEqual(await probeResult(response), shape('carol', 'passport', { scopes: ['notes:read'], roles: ['member'] }));
    });

    it('no req.user is no credentials: 401 without error', async () => {
      await assertRefused(await post(app.url, probeCall()), NO_CREDENTIALS_CHALLENGE, UNAUTHORIZED);
    });
  });

  describe(`McpJwt.fromJwtService with the app's JwtModule (${adapter})`, () => {
    let app: Fixture;
    let jwt: JwtService;
    const secret = new TextEncoder().encode(SECRET);
    before(async () => {
      app = await startAuthApp(adapter, {
        mcp: { authenticate: [McpJwt.fromJwtService()] },
        imports: [JwtModule.register({ secret: SECRET, signOptions: { expiresIn: '5m' } })],
      });
      jwt = app.app.get(JwtService);
    });
    after(() => app.close());

    it('a token signed by JwtService.sign for this resource is accepted', async () => {
      const token = jwt.sign({ sub: 'svc-user', aud: RESOURCE, scope: 'notes:read notes:write' });
      const response = await post(app.url, probeCall(), bearer(token));
      assert.deepEqual(await probeResult(response), shape('svc-user', 'jwt', { scopes: ['notes:read', 'notes:write'] }));
    });

    it('audience binding: a token for another audience, or with none, is refused', async () => {
      for (const payload of [{ sub: 'svc-user', aud: 'https://other.example/api' }, { sub: 'svc-user' }]) {
        await assertRefused(await post(app.url, probeCall(), bearer(jwt.sign(payload))), INVALID_TOKEN_CHALLENGE, INVALID_TOKEN);
      }
    });

    it('expired tokens and tokens signed with another secret are refused', async () => {
      const expired = await new SignJWT({ sub: 'svc-user', aud: RESOURCE })
        .setProtectedHeader({ alg: 'HS256' })
        .setIssuedAt(Math.floor(Date.now() / 1000) - 600)
        .setExpirationTime(Math.floor(Date.now() / 1000) - 60)
        .sign(secret);
      const otherSecret = await new SignJWT({ sub: 'svc-user', aud: RESOURCE })
        .setProtectedHeader({ alg: 'HS256' })
        .setExpirationTime('5m')
        .sign(new TextEncoder().encode('another-secret-0123456789abcdef!'));
      for (const token of [expired, otherSecret]) {
        await assertRefused(await post(app.url, probeCall(), bearer(token)), INVALID_TOKEN_CHALLENGE, INVALID_TOKEN);
      }
    });

    it('a token without exp is refused, as McpJwt refuses it', async () => {
      const eternal = await new SignJWT({ sub: 'svc-user', aud: RESOURCE }).setProtectedHeader({ alg: 'HS256' }).setIssuedAt().sign(secret);
      await assertRefused(await post(app.url, probeCall(), bearer(eternal)), INVALID_TOKEN_CHALLENGE, INVALID_TOKEN);
    });
  });

  describe(`McpAuthenticationGuard on the app's own REST controller (${adapter})`, () => {
    let app: Fixture;
    before(async () => {
      app = await startAuthApp(adapter, {
        mcp: {
          authenticate: [McpStaticTokens({ tokens: { 'rest-token': { principal: { sub: 'dave' }, scopes: ['notes:read'], clientId: 'cli-9' } } })],
        },
        controllers: [MeController],
      });
    });
    after(() => app.close());

    it('@McpPrincipal() on a REST route sees the same principal as an MCP tool', async () => {
      const rest = await fetch(`${app.base}/api/me`, { headers: bearer('rest-token') });
      assert.equal(rest.status, 200);
      const restPrincipal = await rest.json();
      assert.deepEqual(restPrincipal, { sub: 'dave', clientId: 'cli-9', scopes: ['notes:read'], roles: [], source: 'static' });
      const { hasToken, ...mcpPrincipal } = await probeResult(await post(app.url, probeCall(), bearer('rest-token')));
      assert.equal(hasToken, false);
      assert.deepEqual(mcpPrincipal, restPrincipal);
    });

    it('the REST route without a token, or with a bad one, gets the same challenges', async () => {
      await assertRefused(await fetch(`${app.base}/api/me`), NO_CREDENTIALS_CHALLENGE, UNAUTHORIZED);
      await assertRefused(await fetch(`${app.base}/api/me`, { headers: bearer('nope') }), INVALID_TOKEN_CHALLENGE, INVALID_TOKEN);
    });
  });
}
