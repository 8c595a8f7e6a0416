import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { MCP_OUTBOUND_FETCH, MCP_RESOLVED_OPTIONS } from '../mcp-auth.constants.js';
import { McpMessages } from '../mcp-auth.messages.js';
import type { McpResolvedOptions } from '../mcp-auth.options.js';
import type { McpSafeFetchFn } from '../net/mcp-safe-fetch.js';
import { metadataUrls, mirrorPaths } from './authorization-server.well-known.js';
import { IssuerMetadataCache } from './issuer-metadata.cache.js';

/**
 * With `authorizationServer: { mode: 'remote', mirrorMetadata: true }`: serves the issuer's own metadata document on
 * the MCP origin (RFC 8414 and OpenID Connect Discovery well-known paths), fetched through the safe fetch and cached.
 * Registered on the HTTP adapter like the protected resource metadata (well-known URLs live at the host root).
 * Upstream trouble never reaches the client: the last good copy, or a fixed 502/503 body.
 */
@Injectable()
export class McpAuthorizationServerMetadata implements OnModuleInit {
  private cache?: IssuerMetadataCache;

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @Inject(MCP_RESOLVED_OPTIONS) private readonly options: McpResolvedOptions,
    @Inject(MCP_OUTBOUND_FETCH) private readonly fetch: McpSafeFetchFn,
  ) {}

  onModuleInit(): void {
    const server = this.options.authorizationServer;
    const adapter = this.adapterHost?.httpAdapter;
    if (!adapter || !this.options.http || !server?.mirrorMetadata) return;
    this.cache = new IssuerMetadataCache(this.fetch, {
      issuer: server.issuer,
      urls: server.metadataUrl ? [server.metadataUrl] : metadataUrls(server.issuer),
      ttlMs: server.metadataTtlMs,
      timeoutMs: server.metadataTimeoutMs,
      retryMs: server.metadataRetryMs,
    });
    for (const path of mirrorPaths(server.issuer)) {
      // Not an async handler: Fastify treats a promise resolved with undefined as a reply of its own.
      adapter.get(path, (_request: unknown, response: unknown) => void this.serve(response));
    }
  }

  private async serve(response: unknown): Promise<void> {
    const adapter = this.adapterHost.httpAdapter;
    adapter.setHeader(response, 'Access-Control-Allow-Origin', '*');
    const metadata = await this.cache!.get().catch(() => ({ unavailable: 503 as const, retryAfterMs: 1000 }));
    if ('document' in metadata) {
      adapter.setHeader(response, 'Cache-Control', `public, max-age=${Math.floor(metadata.expiresInMs / 1000)}`);
      adapter.reply(response, metadata.document, 200);
      return;
    }
    adapter.setHeader(response, 'Cache-Control', 'no-store');
    adapter.setHeader(response, 'Retry-After', String(Math.ceil(metadata.retryAfterMs / 1000)));
    adapter.reply(response, { error: 'temporarily_unavailable', error_description: McpMessages.issuerMetadataUnavailable() }, metadata.unavailable);
  }
}
