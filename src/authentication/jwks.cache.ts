import { Logger } from '@nestjs/common';
import { createLocalJWKSet, errors, type JSONWebKeySet, type JWSHeaderParameters, type FlattenedJWSInput } from 'jose';

export interface JwksCacheOptions {
  /** Minimum time between two fetches (also after a failed one). Default 30 s. */
  cooldownMs?: number;
  /** Keys older than this are refreshed (while the endpoint answers). Default 10 min. */
  cacheMaxAgeMs?: number;
  /** Fetch timeout. Default 5 s. */
  timeoutMs?: number;
}

type LocalSet = ReturnType<typeof createLocalJWKSet>;

/**
 * A JWKS endpoint's keys for jose's `jwtVerify`: cached; refetched when a token names an unknown `kid`, at most
 * once per cooldown and once for any number of concurrent requests (single flight). When the endpoint is down the
 * keys already held keep working and tokens signed with other keys are refused (fail closed).
 */
export class JwksCache {
  private readonly logger = new Logger('McpAuthModule');
  private local?: LocalSet;
  private fetchedAt = 0;
  private lastAttempt = Number.NEGATIVE_INFINITY;
  private pending?: Promise<void>;
  private readonly cooldownMs: number;
  private readonly cacheMaxAgeMs: number;
  private readonly timeoutMs: number;

  constructor(
    private readonly url: URL,
    options: JwksCacheOptions = {},
  ) {
    this.cooldownMs = options.cooldownMs ?? 30_000;
    this.cacheMaxAgeMs = options.cacheMaxAgeMs ?? 600_000;
    this.timeoutMs = options.timeoutMs ?? 5_000;
  }

  /** The key resolver jose calls with a token's protected header. */
  readonly getKey = async (header: JWSHeaderParameters, token: FlattenedJWSInput) => {
    if (!this.local || Date.now() - this.fetchedAt > this.cacheMaxAgeMs) await this.refresh();
    if (!this.local) throw new errors.JWKSNoMatchingKey();
    try {
      return await this.local(header, token);
    } catch (error) {
      if (!(error instanceof errors.JWKSNoMatchingKey)) throw error;
      const before = this.local;
      await this.refresh();
      if (this.local === before) throw error;
      return this.local(header, token);
    }
  };

  private refresh(): Promise<void> {
    if (this.pending) return this.pending;
    if (Date.now() - this.lastAttempt < this.cooldownMs) return Promise.resolve();
    this.lastAttempt = Date.now();
    this.pending = this.fetchKeys().finally(() => (this.pending = undefined));
    return this.pending;
  }

  private async fetchKeys(): Promise<void> {
    try {
      const response = await fetch(this.url, {
        headers: { accept: 'application/jwk-set+json, application/json' },
        redirect: 'error',
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const jwks = (await response.json()) as JSONWebKeySet;
      this.local = createLocalJWKSet(jwks);
      this.fetchedAt = Date.now();
    } catch (error) {
      this.logger.warn(
        `JWKS fetch from ${this.url.origin}${this.url.pathname} failed (${(error as Error).message}); ` +
          (this.local ? 'keeping the keys already held' : 'no keys are available, tokens are refused'),
      );
    }
  }
}
