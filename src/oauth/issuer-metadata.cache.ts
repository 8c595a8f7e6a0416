import { Logger } from '@nestjs/common';
import { McpFetchError } from '../net/mcp-fetch.error.js';
import type { McpSafeFetchFn } from '../net/mcp-safe-fetch.js';

export interface IssuerMetadataCacheOptions {
  issuer: string;
  /** Tried in order; the one that answered last is tried first next time. */
  urls: string[];
  ttlMs: number;
  timeoutMs: number;
  retryMs: number;
}

/** What a request gets: the document and its age, or why there is none (502: the issuer answered wrongly; 503: no answer). */
export type IssuerMetadata =
  | { document: Readonly<Record<string, unknown>>; expiresInMs: number }
  | { unavailable: 502 | 503; retryAfterMs: number };

/**
 * An issuer's metadata document, fetched through the safe fetch: cached for `ttlMs`; one fetch for any number of
 * concurrent requests (single flight); after a failure, no new attempt for `retryMs`, and the last good copy (even
 * expired) keeps being served. A document whose `issuer` differs from the configured one is refused (RFC 8414 §3.3,
 * OpenID Connect Discovery §4.3): a mirror must never vouch for an impostor.
 */
export class IssuerMetadataCache {
  private readonly logger = new Logger('McpAuthModule');
  private copy?: { document: Readonly<Record<string, unknown>>; fetchedAt: number };
  private pending?: Promise<void>;
  private failedAt = Number.NEGATIVE_INFINITY;
  private lastFailure: 502 | 503 = 503;
  private urls: string[];

  constructor(
    private readonly fetch: McpSafeFetchFn,
    private readonly options: IssuerMetadataCacheOptions,
  ) {
    this.urls = [...options.urls];
  }

  async get(): Promise<IssuerMetadata> {
    if (!this.fresh() && Date.now() - this.failedAt >= this.options.retryMs) {
      this.pending ??= this.load().finally(() => (this.pending = undefined));
      await this.pending;
    } else if (this.pending) {
      await this.pending;
    }
    if (this.copy) {
      return { document: this.copy.document, expiresInMs: Math.max(0, this.copy.fetchedAt + this.options.ttlMs - Date.now()) };
    }
    return { unavailable: this.lastFailure, retryAfterMs: Math.max(1000, this.failedAt + this.options.retryMs - Date.now()) };
  }

  private fresh(): boolean {
    return !!this.copy && Date.now() - this.copy.fetchedAt < this.options.ttlMs;
  }

  private async load(): Promise<void> {
    const signal = AbortSignal.timeout(this.options.timeoutMs);
    let answered = false;
    const problems: string[] = [];
    for (const url of this.urls) {
      try {
        const response = await this.fetch(url, { headers: { accept: 'application/json' }, signal });
        answered = true;
        if (!response.ok) {
          problems.push(`${url} answered HTTP ${response.status}`);
          continue;
        }
        const document = this.accept(response.text());
        if (!document) {
          problems.push(`${url} is not metadata of the issuer ${this.options.issuer}`);
          continue;
        }
        this.copy = { document, fetchedAt: Date.now() };
        this.failedAt = Number.NEGATIVE_INFINITY;
        this.urls = [url, ...this.urls.filter((u) => u !== url)];
        return;
      } catch (error) {
        // Only the reason code: messages of lower layers could carry more than an operator should see in logs.
        problems.push(`${url}: ${error instanceof McpFetchError ? error.reason : 'request failed'}`);
        if (signal.aborted) break;
      }
    }
    this.failedAt = Date.now();
    this.lastFailure = answered ? 502 : 503;
    this.logger.warn(
      `Authorization server metadata of ${this.options.issuer} could not be fetched (${problems.join('; ')}); ` +
        (this.copy ? 'serving the last good copy' : 'the mirror answers 503 until it can'),
    );
  }

  private accept(body: string): Readonly<Record<string, unknown>> | undefined {
    let document: unknown;
    try {
      document = JSON.parse(body);
    } catch {
      return undefined;
    }
    if (!document || typeof document !== 'object' || Array.isArray(document)) return undefined;
    if ((document as { issuer?: unknown }).issuer !== this.options.issuer) return undefined;
    return Object.freeze(document as Record<string, unknown>);
  }
}
