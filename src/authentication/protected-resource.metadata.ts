import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { McpRegistry } from '../discovery/mcp.registry.js';
import { MCP_RESOLVED_OPTIONS } from '../mcp-auth.constants.js';
import type { McpResolvedOptions } from '../mcp-auth.options.js';

const WELL_KNOWN = '/.well-known/oauth-protected-resource';

/**
 * Serves the OAuth 2.0 Protected Resource Metadata (RFC 9728) at the path-inserted well-known URL of `resource`
 * (e.g. `/.well-known/oauth-protected-resource/mcp`) and at the root form, which some clients probe. Registered on
 * the HTTP adapter directly: well-known URLs live at the host root, outside any global prefix. Public and cacheable.
 */
@Injectable()
export class McpProtectedResourceMetadata implements OnModuleInit {
  private document?: Record<string, unknown>;

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly registry: McpRegistry,
    @Inject(MCP_RESOLVED_OPTIONS) private readonly options: McpResolvedOptions,
  ) {}

  onModuleInit(): void {
    const adapter = this.adapterHost?.httpAdapter;
    if (!adapter || !this.options.http || !this.options.resource) return;
    // Static tokens need no authorization server; any other authenticator means OAuth clients need one.
    const oauth = this.options.authenticate.some((spec) => (spec as { kind?: string }).kind !== 'static');
    if (oauth && !this.options.authorizationServers.length) {
      // RFC 9728 / MCP: clients need an authorization server to obtain tokens (static and custom ones name none).
      new Logger('McpAuthModule').warn(
        'The protected resource metadata lists no authorization_servers: set "authorizationServers" so OAuth clients can find where to get tokens.',
      );
    }
    const pathForm = new URL(this.options.resourceMetadataUrl!).pathname;
    const paths = pathForm === WELL_KNOWN ? [WELL_KNOWN] : [pathForm, WELL_KNOWN];
    for (const path of paths) {
      adapter.get(path, (_request: unknown, response: unknown) => {
        adapter.setHeader(response, 'Cache-Control', 'public, max-age=3600');
        adapter.setHeader(response, 'Access-Control-Allow-Origin', '*');
        adapter.reply(response, this.metadata(), 200);
      });
    }
  }

  /** The metadata document; built on first use, once every component (and so every scope) is known. */
  metadata(): Record<string, unknown> {
    if (!this.document) {
      const o = this.options;
      const scopes = new Set<string>([...o.requiredScopes, ...o.scopesSupported, ...this.registry.scopes]);
      for (const spec of o.authenticate) for (const s of (spec as { scopes?: readonly string[] }).scopes ?? []) scopes.add(s);
      this.document = {
        resource: o.resource,
        ...(o.authorizationServers.length && { authorization_servers: o.authorizationServers }),
        bearer_methods_supported: ['header'],
        ...(scopes.size && { scopes_supported: [...scopes].sort() }),
        ...(o.resourceName && { resource_name: o.resourceName }),
        ...(o.resourceDocumentation && { resource_documentation: o.resourceDocumentation }),
      };
    }
    return this.document;
  }
}
