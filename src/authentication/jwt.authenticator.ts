import { createPublicKey, type KeyObject } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { jwtVerify, type JWTPayload, type JWTVerifyOptions } from 'jose';
import { McpMessages } from '../mcp-auth.messages.js';
import { resultFromClaims, type McpClaimsMapping } from './claims.mapping.js';
import { JwksCache, type JwksCacheOptions } from './jwks.cache.js';
import { McpAuthenticationError } from './mcp-authentication.error.js';
import type { McpPrincipal } from './mcp-principal.js';
import type { McpAuthenticator, McpAuthenticatorFactory, McpAuthenticatorSetup, McpAuthRequest } from './mcp-authenticator.js';
import { requireScopes } from './scopes.js';
import { VerifiedTokenCache } from './verified-token.cache.js';

const ASYMMETRIC = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];
const SYMMETRIC = ['HS256', 'HS384', 'HS512'];
/**
 * Whether a token has the JWS compact shape: non-empty header and payload, exactly two dots, nothing outside
 * base64url. Three indexOf calls and one character-class scan: it runs on every request.
 */
function isCompactJws(token: string): boolean {
  const first = token.indexOf('.');
  const second = first > 0 ? token.indexOf('.', first + 1) : -1;
  return second > first + 1 && token.indexOf('.', second + 1) === -1 && !NOT_BASE64URL.test(token);
}
const NOT_BASE64URL = /[^\w.-]/;

export interface McpJwtOptions {
  /** The issuer's JWKS URL (e.g. `https://issuer/.well-known/jwks.json`). */
  jwksUri?: string;
  /** PEM-encoded SPKI public key(s) or public JWK object(s). */
  publicKey?: string | object | Array<string | object>;
  /** A shared secret for HS256/384/512. It never verifies RS/ES tokens, and keys never verify HS tokens. */
  secret?: string | Uint8Array;
  /** Expected `iss`. Required. */
  issuer: string | string[];
  /** Expected `aud`; defaults to the module's `resource` (RFC 8707), so tokens for other resources are refused. */
  audience?: string | string[];
  /** Allowed algorithms; default: every asymmetric one for keys, HS* for a secret. `none` is never allowed. */
  algorithms?: string[];
  /** Clock skew tolerated on `exp`, `nbf` and `iat`, in seconds. Default 5. */
  clockTolerance?: number;
  /**
   * Longest lifetime (`exp - iat`) accepted, in seconds, for issuers that mint very long-lived tokens. When set, a
   * token without `iat` is refused too. Default: no limit.
   */
  maxTokenLifetime?: number;
  /** Scopes every token must hold (403 `insufficient_scope` otherwise). */
  requiredScopes?: string[];
  /** Require this `typ` header, e.g. `at+jwt` (RFC 9068). */
  typ?: string;
  /** Where sub, client id, scopes and roles are in the claims. */
  claims?: McpClaimsMapping;
  jwks?: JwksCacheOptions;
  /** Verified tokens are remembered until they expire; `false` verifies every time. Default 10,000 entries, 5 min. */
  cache?: { maxEntries?: number; maxAgeMs?: number } | false;
  /** Put the raw token in the result (`result.token`), for apps that must forward it. Default false. */
  exposeToken?: boolean;
}

type Verify = (token: string, options: JWTVerifyOptions) => Promise<JWTPayload>;

/**
 * Verifies JWT access tokens with `jose`: signature against a JWKS URL, public key(s) or a secret, algorithm
 * allow-list, `exp`/`nbf`/`iat`, `iss`, and `aud` bound to this resource.
 * @example `McpJwt({ jwksUri: 'https://tenant.auth0.com/.well-known/jwks.json', issuer: 'https://tenant.auth0.com/' })`
 */
export function McpJwt(options: McpJwtOptions): McpAuthenticatorFactory {
  const algorithms = checkJwtOptions(options);
  return {
    kind: 'jwt',
    scopes: options.requiredScopes ?? [],
    issuers: ([] as string[]).concat(options.issuer),
    create: (setup) => new JwtAuthenticator(options, algorithms, verifierFor(options), setup),
  };
}

export interface McpJwtServiceOptions
  extends Pick<McpJwtOptions, 'audience' | 'requiredScopes' | 'claims' | 'cache' | 'exposeToken' | 'clockTolerance' | 'maxTokenLifetime'> {
  /** Expected `iss` (also checked by JwtModule's own verifyOptions, if set there). */
  issuer?: string | string[];
  /** Allowed algorithms, passed to `JwtService.verifyAsync`. */
  algorithms?: string[];
}

/**
 * Verifies tokens with the app's own `JwtService` from `@nestjs/jwt` (for apps whose `JwtModule` already holds
 * the keys), still binding the audience to this resource.
 */
McpJwt.fromJwtService = function fromJwtService(options: McpJwtServiceOptions = {}): McpAuthenticatorFactory {
  if (options.algorithms?.some((a) => a.toLowerCase() === 'none')) {
    throw new Error(McpMessages.optionInvalid('McpJwt.fromJwtService algorithms', 'a list without "none"', options.algorithms));
  }
  checkLifetime('McpJwt.fromJwtService', options.maxTokenLifetime);
  return {
    kind: 'jwt',
    scopes: options.requiredScopes ?? [],
    issuers: options.issuer === undefined ? [] : ([] as string[]).concat(options.issuer),
    async create(setup) {
      const { JwtService } = await import('@nestjs/jwt');
      const service = setup.moduleRef.get(JwtService, { strict: false });
      const verify: Verify = (token, o) =>
        service.verifyAsync(token, {
          audience: o.audience as never,
          ...(o.issuer !== undefined && { issuer: o.issuer as never }),
          ...(o.algorithms && { algorithms: o.algorithms as never }),
          clockTolerance: o.clockTolerance as number,
        });
      return new JwtAuthenticator({ ...options, issuer: options.issuer ?? [] }, options.algorithms ?? [], verify, setup);
    },
  };
};

class JwtAuthenticator implements McpAuthenticator {
  private readonly logger = new Logger('McpAuthModule');
  private readonly verifyOptions: JWTVerifyOptions;
  private readonly cache?: VerifiedTokenCache;
  private readonly clockTolerance: number;

  constructor(
    private readonly options: McpJwtOptions,
    algorithms: string[],
    private readonly verify: Verify,
    setup: McpAuthenticatorSetup,
  ) {
    const audience = options.audience ?? setup.resource;
    if (!audience || (Array.isArray(audience) && audience.length === 0)) {
      throw new Error(
        McpMessages.optionRequired(
          'resource',
          'A JWT authenticator without "audience" binds tokens to the resource (RFC 8707): set "resource" to the public URL of the MCP endpoint, e.g. https://api.example.com/mcp.',
        ),
      );
    }
    this.clockTolerance = options.clockTolerance ?? 5;
    const issuer = ([] as string[]).concat(options.issuer);
    this.verifyOptions = {
      audience,
      ...(issuer.length && { issuer }),
      ...(algorithms.length && { algorithms }),
      clockTolerance: this.clockTolerance,
      requiredClaims: ['exp'],
      ...(options.typ && { typ: options.typ }),
    };
    if (options.cache !== false) this.cache = new VerifiedTokenCache(options.cache?.maxEntries, options.cache?.maxAgeMs);
  }

  /** Synchronous for a token already verified (the cache); a fresh token is verified asynchronously. */
  authenticate(request: McpAuthRequest): McpPrincipal | null | Promise<McpPrincipal> {
    const token = request.token;
    if (!token || !isCompactJws(token)) return null; // not a JWT: another authenticator may know it
    const cached = this.cache?.get(token);
    if (!cached) return this.verifyFresh(token);
    requireScopes(cached, this.options.requiredScopes);
    return cached;
  }

  private async verifyFresh(token: string): Promise<McpPrincipal> {
    let payload: JWTPayload;
    try {
      payload = await this.verify(token, this.verifyOptions);
    } catch (error) {
      this.logger.debug(`JWT refused: ${(error as { code?: string }).code ?? (error as Error).name}`);
      throw new McpAuthenticationError('invalid_token');
    }
    // Tokens must expire (jose enforces it through requiredClaims; JwtService verifiers do not).
    if (typeof payload.exp !== 'number') throw new McpAuthenticationError('invalid_token');
    // An `iat` in the future is a token minted by a skewed or hostile clock (jose checks only its type).
    if (typeof payload.iat === 'number' && payload.iat > Date.now() / 1000 + this.clockTolerance) {
      throw new McpAuthenticationError('invalid_token');
    }
    // Checked before the token is cached: a cached token has passed it.
    const max = this.options.maxTokenLifetime;
    if (max !== undefined) {
      if (typeof payload.iat !== 'number') throw new McpAuthenticationError('invalid_token', 'The access token has no issue time (iat)');
      if (payload.exp - payload.iat > max) throw new McpAuthenticationError('invalid_token', 'The access token lifetime is too long');
    }
    const result = resultFromClaims(payload as Record<string, unknown>, this.options.claims ?? {}, 'jwt', this.options.exposeToken ? token : undefined);
    this.cache?.set(token, result);
    requireScopes(result, this.options.requiredScopes);
    return result;
  }
}

function checkJwtOptions(options: McpJwtOptions): string[] {
  const where = 'McpJwt';
  if (!options || typeof options !== 'object') throw new Error(McpMessages.optionInvalid(where, 'an options object', options));
  const sources = [options.jwksUri, options.publicKey, options.secret].filter((s) => s !== undefined);
  if (sources.length !== 1) {
    throw new Error(
      McpMessages.optionInvalid(`${where} jwksUri | publicKey | secret`, 'exactly one key source', sources.length ? 'several' : 'none'),
    );
  }
  const issuers = ([] as unknown[]).concat(options.issuer ?? []);
  if (!issuers.length || issuers.some((i) => typeof i !== 'string' || !i)) {
    throw new Error(McpMessages.optionRequired(`${where} issuer`, 'Set it to the "iss" your identity provider puts in tokens.'));
  }
  if (options.jwksUri !== undefined) {
    let url: URL | undefined;
    try {
      url = new URL(options.jwksUri);
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== 'https:' && !isLoopback(url.hostname))) {
      throw new Error(McpMessages.optionInvalid(`${where} jwksUri`, 'an https URL (http only on loopback)', options.jwksUri));
    }
  }
  const allowed = options.secret !== undefined ? SYMMETRIC : ASYMMETRIC;
  const algorithms = options.algorithms ?? allowed;
  const wrong = algorithms.filter((a) => !allowed.includes(a));
  if (!algorithms.length || wrong.length) {
    throw new Error(
      McpMessages.optionInvalid(
        `${where} algorithms`,
        `a non-empty list from ${allowed.join(', ')} (a ${options.secret !== undefined ? 'secret' : 'public key'} never verifies other algorithms, and "none" is never allowed)`,
        algorithms,
      ),
    );
  }
  if (options.clockTolerance !== undefined && !(Number.isFinite(options.clockTolerance) && options.clockTolerance >= 0)) {
    throw new Error(McpMessages.optionInvalid(`${where} clockTolerance`, 'a number of seconds ≥ 0', options.clockTolerance));
  }
  checkLifetime(where, options.maxTokenLifetime);
  return algorithms;
}

function checkLifetime(where: string, value: unknown): void {
  if (value !== undefined && !(typeof value === 'number' && Number.isFinite(value) && value > 0)) {
    throw new Error(McpMessages.optionInvalid(`${where} maxTokenLifetime`, 'a number of seconds > 0', value));
  }
}

function verifierFor(options: McpJwtOptions): Verify {
  if (options.jwksUri !== undefined) {
    const jwks = new JwksCache(new URL(options.jwksUri), options.jwks);
    return async (token, o) => {
      try {
        return (await jwtVerify(token, jwks.getKey, o)).payload;
      } catch (error) {
        // A token without `kid` while the set holds several keys (during a rotation): try each candidate.
        if ((error as { code?: string }).code !== 'ERR_JWKS_MULTIPLE_MATCHING_KEYS') throw error;
        return verifyWithAny(token, error as unknown as AsyncIterable<CryptoKeyLike>, o);
      }
    };
  }
  if (options.secret !== undefined) {
    const secret = typeof options.secret === 'string' ? new TextEncoder().encode(options.secret) : options.secret;
    return async (token, o) => (await jwtVerify(token, secret, o)).payload;
  }
  const keys: KeyObject[] = ([] as Array<string | object>).concat(options.publicKey!).map(toPublicKey);
  if (keys.length === 1) {
    const key = keys[0]!;
    return async (token, o) => (await jwtVerify(token, key, o)).payload;
  }
  return (token, o) => verifyWithAny(token, keys, o);
}

type CryptoKeyLike = Parameters<typeof jwtVerify>[1] & object;

/** Verifies with the first key whose signature matches; any other failure ends the search. */
async function verifyWithAny(
  token: string,
  keys: Iterable<CryptoKeyLike> | AsyncIterable<CryptoKeyLike>,
  options: JWTVerifyOptions,
): Promise<JWTPayload> {
  let last: unknown;
  for await (const key of keys) {
    try {
      return (await jwtVerify(token, key as never, options)).payload;
    } catch (error) {
      last = error;
      if ((error as { code?: string }).code !== 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED') throw error;
    }
  }
  // Built only here: an Error captures a stack trace, too costly to make on every successful verification.
  throw last ?? new McpAuthenticationError('invalid_token');
}

function toPublicKey(key: string | object): KeyObject {
  const publicKey =
    typeof key === 'string' ? createPublicKey(key) : createPublicKey({ key: key as never, format: 'jwk' });
  if (publicKey.type !== 'public') throw new Error(McpMessages.optionInvalid('McpJwt publicKey', 'a public key', 'a private key'));
  return publicKey;
}

function isLoopback(hostname: string): boolean {
  return hostname === '127.0.0.1' || hostname === 'localhost' || hostname === '[::1]';
}
