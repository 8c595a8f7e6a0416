import type { AddressInfo } from 'node:net';
import { Server as HttpsServer } from 'node:https';
import { Inject, Injectable, Logger, VersioningType, type OnApplicationBootstrap } from '@nestjs/common';
import { ApplicationConfig, HttpAdapterHost } from '@nestjs/core';
import { isAuthenticatorFactory, McpAuthenticator, type McpAuthenticatorSpec } from '../authentication/mcp-authenticator.js';
import { McpRegistry } from '../discovery/mcp.registry.js';
import { MCP_RESOLVED_OPTIONS } from '../mcp-auth.constants.js';
import type { McpResolvedOptions } from '../mcp-auth.options.js';

const LOGGER = 'McpAuthModule';

/** What a server serves and who may call it: the part of the startup line HTTP and stdio share. */
export function describeServer(registry: McpRegistry, options: McpResolvedOptions): string {
  const count = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;
  const components = [
    count(registry.tools.size, 'tool'),
    count(registry.resources.size, 'resource'),
    count(registry.resourceTemplates.size, 'resource template'),
    count(registry.prompts.size, 'prompt'),
  ].join(', ');
  const authenticators = options.authenticate.map(describeAuthenticator);
  if (options.allowAnonymous) authenticators.push('anonymous allowed');
  return `${components}; authentication: ${authenticators.join(', ') || 'none'}`;
}

function describeAuthenticator(spec: McpAuthenticatorSpec): string {
  if (spec === McpAuthenticator) return 'the McpAuthenticator provider';
  if (isAuthenticatorFactory(spec)) {
    const names: Record<string, string> = { jwt: 'JWT', static: 'static development tokens', passport: 'Passport', introspection: 'token introspection' };
    const name = names[spec.kind] ?? spec.kind;
    return spec.issuers?.length ? `${name} (${spec.issuers.join(', ')})` : name;
  }
  const fn = spec as Function;
  return typeof fn.prototype?.authenticate === 'function' ? fn.name || 'an authenticator class' : fn.name ? `function ${fn.name}` : 'a function';
}

/** The development token of a static-token authenticator, when one is configured (never a production credential). */
export function developmentToken(options: McpResolvedOptions): string | undefined {
  for (const spec of options.authenticate) if (isAuthenticatorFactory(spec) && spec.developmentToken) return spec.developmentToken;
  return undefined;
}

/** A tools/list request with curl, ready to paste. */
export function curlCommand(url: string, token: string): string {
  return (
    `curl -s ${url} -H 'content-type: application/json' -H 'accept: application/json, text/event-stream' ` +
    `-H 'authorization: Bearer ${token}' -d '{"jsonrpc":"2.0","id":1,"method":"tools/list"}'`
  );
}

/**
 * Logs one line per HTTP server once it listens: where the endpoint is, how it is served and who may call it (and,
 * with a static development token, a curl command). `logging.startup: false` silences it. The URL is read from the
 * listening socket, since only `app.listen()` knows the port and host.
 */
@Injectable()
export class McpStartupLog implements OnApplicationBootstrap {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly registry: McpRegistry,
    private readonly config: ApplicationConfig,
    @Inject(MCP_RESOLVED_OPTIONS) private readonly options: McpResolvedOptions,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.options.logging.startup || !this.options.http) return;
    const server = this.adapterHost?.httpAdapter?.getHttpServer?.() as
      | { listening?: boolean; address(): AddressInfo | string | null; once(event: 'listening', listener: () => void): unknown }
      | undefined;
    if (!server || typeof server.once !== 'function') return;
    const log = () => {
      const address = server.address();
      if (address) this.log(address, server instanceof HttpsServer ? 'https' : 'http');
    };
    if (server.listening) log();
    else server.once('listening', log);
  }

  private log(address: AddressInfo | string, protocol: string): void {
    const http = this.options.http as Exclude<McpResolvedOptions['http'], false>;
    const url = `${origin(address, protocol)}${this.routePrefix(http.path)}${http.path}`;
    const metadata = this.options.resourceMetadataUrl ? `; resource metadata: ${this.options.resourceMetadataUrl}` : '';
    const logger = new Logger(LOGGER);
    logger.log(
      `MCP server ${this.options.name} ${this.options.version} at ${url} (Streamable HTTP, ${http.mode}): ` +
        `${describeServer(this.registry, this.options)}${metadata}`,
    );
    const token = developmentToken(this.options);
    if (token) logger.log(`Try it with the development token: ${curlCommand(url, token)}`);
  }

  /** The global prefix and URI version the route is mapped under, as Nest's router builds them. */
  private routePrefix(path: string): string {
    let prefix = '';
    const global = this.config.getGlobalPrefix?.();
    const excluded = this.config.getGlobalPrefixOptions?.().exclude?.some((route) => route.pathRegex?.test(path));
    if (global && !excluded) prefix += `/${global.replace(/^\/+|\/+$/g, '')}`;
    const versioning = this.config.getVersioning?.();
    if (versioning?.type === VersioningType.URI && typeof versioning.defaultVersion === 'string') {
      prefix += `/${versioning.prefix === false ? '' : (versioning.prefix ?? 'v')}${versioning.defaultVersion}`;
    }
    return prefix;
  }
}

/** As Nest's `app.getUrl()` writes it: wildcard addresses become loopback. */
function origin(address: AddressInfo | string, protocol: string): string {
  if (typeof address === 'string') return `${protocol}+unix://${encodeURIComponent(address)}`;
  let host = address.address;
  if (address.family === 'IPv6' || address.family === (6 as unknown)) host = host === '::' ? '[::1]' : `[${host}]`;
  else if (host === '0.0.0.0') host = '127.0.0.1';
  return `${protocol}://${host}:${address.port}`;
}
