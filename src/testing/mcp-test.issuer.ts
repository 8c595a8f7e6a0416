import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import { McpJwt, type McpJwtOptions } from '../authentication/jwt.authenticator.js';
import type { McpAuthenticatorFactory } from '../authentication/mcp-authenticator.js';
import { claimsOf, type McpTestPrincipal } from './mcp-test.principal.js';
import { McpTestingMessages } from './mcp-testing.messages.js';

export interface McpTestIssuerOptions {
  /** Signing algorithm. Default `RS256`. */
  algorithm?: 'RS256' | 'ES256';
  /** Default audience of minted tokens: usually the module's `resource` URL. */
  audience?: string | string[];
  /**
   * Serve the JWKS and discovery documents on 127.0.0.1 (port 0), so `McpJwt` fetches keys as it does from a real
   * identity provider. `false`: no server; `jwtOptions()` hands the public key to `McpJwt` directly. Default `true`.
   */
  serve?: boolean;
  /** The `iss` of tokens when `serve` is false. Default `https://issuer.mcp.test`. */
  issuer?: string;
  /** A test issuer signs whatever it is asked to, so it refuses to start with NODE_ENV=production unless this is true. */
  allowInProduction?: boolean;
}

/** What goes into a token: the principal, its audience and lifetime. */
export interface McpTestTokenOptions extends McpTestPrincipal {
  /** Default: the issuer's `audience` option. */
  audience?: string | string[];
  /** Seconds until `exp`. Default 300. */
  expiresIn?: number;
}

type SigningKey = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

const KID = 'mcp-test-key-1';
const WRONG_AUDIENCE = 'https://wrong-audience.mcp.test';

/**
 * An identity provider for tests: a fresh key pair, a JWKS and RFC 8414 / OIDC discovery on loopback, and real signed
 * access tokens for any principal, plus deliberately bad ones for negative tests. Nothing it mints is ever logged.
 * @example
 * ```ts
 * const issuer = await createMcpTestIssuer({ audience: 'https://api.example.com/mcp' });
 * McpAuthModule.forRoot({ ..., resource: 'https://api.example.com/mcp', authenticate: [issuer.authenticator()] });
 * const token = await issuer.mint({ sub: 'alice', scopes: ['notes:read'] });
 * ```
 */
export class McpTestIssuer {
  private constructor(
    /** The `iss` of its tokens; when served, also its base URL. */
    readonly issuer: string,
    /** The JWKS URL; undefined when the issuer is not served. */
    readonly jwksUri: string | undefined,
    readonly algorithm: 'RS256' | 'ES256',
    private readonly publicJwk: JWK,
    private readonly key: SigningKey,
    private readonly audience: string | string[] | undefined,
    private readonly server: Server | undefined,
  ) {}

  /** @internal Use `createMcpTestIssuer()`. */
  static async create(options: McpTestIssuerOptions = {}): Promise<McpTestIssuer> {
    if (process.env.NODE_ENV === 'production' && !options.allowInProduction) throw new Error(McpTestingMessages.issuerInProduction());
    const algorithm = options.algorithm ?? 'RS256';
    const { privateKey, publicKey } = await generateKeyPair(algorithm);
    const publicJwk: JWK = { ...(await exportJWK(publicKey)), kid: KID, alg: algorithm, use: 'sig' };
    if (options.serve === false) {
      return new McpTestIssuer(options.issuer ?? 'https://issuer.mcp.test', undefined, algorithm, publicJwk, privateKey, options.audience, undefined);
    }
    const documents = new Map<string, unknown>();
    const server = createServer((request, response) => {
      const document = request.method === 'GET' ? documents.get((request.url ?? '').split('?')[0]!) : undefined;
      if (document === undefined) return void response.writeHead(404).end();
      response.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(document));
    });
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
    const issuer = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    const jwksUri = `${issuer}/.well-known/jwks.json`;
    const metadata = {
      issuer,
      jwks_uri: jwksUri,
      token_endpoint: `${issuer}/token`,
      response_types_supported: ['code'],
      grant_types_supported: ['client_credentials'],
      id_token_signing_alg_values_supported: [algorithm],
    };
    documents.set('/.well-known/jwks.json', { keys: [publicJwk] });
    documents.set('/.well-known/openid-configuration', metadata);
    documents.set('/.well-known/oauth-authorization-server', metadata);
    return new McpTestIssuer(issuer, jwksUri, algorithm, publicJwk, privateKey, options.audience, server);
  }

  /**
   * The `McpJwt` options that trust this issuer: its JWKS URL (or its public key when not served), its `iss`, its one
   * algorithm. The audience stays the module's `resource` unless `overrides` names one.
   */
  jwtOptions(overrides: Partial<McpJwtOptions> = {}): McpJwtOptions {
    const keys = this.jwksUri ? { jwksUri: this.jwksUri } : { publicKey: this.publicJwk as object };
    return { ...keys, issuer: this.issuer, algorithms: [this.algorithm], ...overrides };
  }

  /** `McpJwt(this.jwtOptions(overrides))`: the authenticator for `authenticate: [...]`. */
  authenticator(overrides: Partial<McpJwtOptions> = {}): McpAuthenticatorFactory {
    return McpJwt(this.jwtOptions(overrides));
  }

  /** A valid access token for this principal. */
  async mint(options: McpTestTokenOptions): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    return this.sign(options, { iat: now, exp: now + this.lifetime(options.expiresIn) });
  }

  /** A token that expired a minute ago (beyond any usual clock tolerance). */
  async mintExpired(options: McpTestTokenOptions): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    return this.sign(options, { iat: now - 360, exp: now - 60 });
  }

  /** A valid token for another resource (RFC 8707): a server must refuse tokens not meant for it. */
  async mintWrongAudience(options: McpTestTokenOptions): Promise<string> {
    return this.mint({ ...options, audience: WRONG_AUDIENCE });
  }

  /** A token signed with this issuer's key but naming another issuer. */
  async mintWrongIssuer(options: McpTestTokenOptions): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    return this.sign(options, { iat: now, exp: now + 300, iss: `${this.issuer}/other` });
  }

  /** A token claiming this issuer and its key id, signed by a key the JWKS does not hold (a forgery). */
  async mintWrongKey(options: McpTestTokenOptions): Promise<string> {
    const { privateKey } = await generateKeyPair(this.algorithm);
    const now = Math.floor(Date.now() / 1000);
    return this.sign(options, { iat: now, exp: now + 300 }, privateKey);
  }

  /** Stops serving the JWKS (idempotent). */
  async close(): Promise<void> {
    const server = this.server;
    if (!server?.listening) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private lifetime(expiresIn: number | undefined): number {
    if (expiresIn === undefined) return 300;
    if (!(typeof expiresIn === 'number' && Number.isFinite(expiresIn) && expiresIn > 0)) throw new TypeError(McpTestingMessages.invalidLifetime(expiresIn));
    return Math.ceil(expiresIn);
  }

  private async sign(options: McpTestTokenOptions, times: { iat: number; exp: number; iss?: string }, key: SigningKey = this.key): Promise<string> {
    const audience = options.audience ?? this.audience;
    if (audience === undefined || (Array.isArray(audience) && !audience.length)) throw new TypeError(McpTestingMessages.noAudience());
    const payload = { iss: times.iss ?? this.issuer, aud: audience, iat: times.iat, exp: times.exp, jti: randomUUID(), ...claimsOf(options) };
    return new SignJWT(payload).setProtectedHeader({ alg: this.algorithm, kid: KID, typ: 'at+jwt' }).sign(key);
  }
}

/** Starts a test issuer (see `McpTestIssuer`); `close()` it when the tests end. */
export function createMcpTestIssuer(options: McpTestIssuerOptions = {}): Promise<McpTestIssuer> {
  return McpTestIssuer.create(options);
}
