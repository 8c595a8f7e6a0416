import { Module, type DynamicModule, type Provider, type Type } from '@nestjs/common';
import { DiscoveryModule, ModuleRef } from '@nestjs/core';
import { McpAuthenticationGuard } from './authentication/mcp-authentication.guard.js';
import { McpAuthenticationService } from './authentication/mcp-authentication.service.js';
import { McpProtectedResourceMetadata } from './authentication/protected-resource.metadata.js';
import { McpAudit } from './authorization/mcp-audit.js';
import { McpAuthorizer } from './authorization/mcp-authorizer.js';
import { McpMetadataAccessor } from './discovery/mcp-metadata.accessor.js';
import { McpExplorer } from './discovery/mcp.explorer.js';
import { McpRegistry } from './discovery/mcp.registry.js';
import { McpErrorMapper } from './execution/mcp-error.mapper.js';
import { McpHandlerFactory } from './execution/mcp-handler.factory.js';
import { McpDispatcher } from './protocol/mcp.dispatcher.js';
import { PATH_METADATA } from './execution/nest-internals.js';
import { McpAccess } from './authorization/mcp-access.js';
import { MCP_OUTBOUND_FETCH, MCP_RESOLVED_OPTIONS, MCP_ROUTE_AUTH_GUARD, MCP_ROUTE_BINDING, MCP_ROUTE_BODY_LIMIT, MCP_ROUTE_CONTROLLER } from './mcp-auth.constants.js';
import {
  MCP_ASYNC_OPTIONS_TYPE,
  MCP_MODULE_OPTIONS,
  MCP_OPTIONS_TYPE,
  McpAuthConfigurableModule,
} from './mcp-auth.module-definition.js';
import { MCP_DEFAULTS, type McpResolvedOptions } from './mcp-auth.options.js';
import { resolveMcpOptions } from './mcp-auth.options-resolver.js';
import { bindPolicy } from './net/mcp-safe-fetch.js';
import { McpAuthorizationServerMetadata } from './oauth/authorization-server.metadata.js';
import { McpProtocol } from './protocol/mcp-protocol.js';
import { McpClientInput } from './protocol/mcp-client-input.js';
import { McpSubscriptions } from './protocol/mcp-subscriptions.js';
import { McpNotifications } from './protocol/mcp-notifications.js';
import { createMcpRouteController } from './transport/mcp-http.controller.js';
import { McpBodyErrors } from './transport/mcp-body-errors.js';
import { McpBodyLimit } from './transport/mcp-body-limit.js';
import { McpHttpHandler } from './transport/mcp-http.handler.js';
import { McpOriginGuard } from './transport/mcp-origin.guard.js';
import { McpRouteGuard } from './transport/mcp-route.guard.js';
import { McpSessionStore } from './transport/mcp-session.store.js';
import { McpStartupLog } from './transport/mcp-startup.log.js';

/**
 * Serves decorated provider methods as an MCP server.
 * @example
 * ```ts
 * @Module({ imports: [McpAuthModule.forRoot({ name: 'notes', version: '1.0.0' })], providers: [NotesTools] })
 * export class AppModule {}
 * ```
 */
@Module({
  imports: [DiscoveryModule],
  providers: [
    { provide: MCP_RESOLVED_OPTIONS, useFactory: resolveMcpOptions, inject: [MCP_MODULE_OPTIONS] },
    McpMetadataAccessor,
    McpRegistry,
    McpExplorer,
    McpHandlerFactory,
    McpErrorMapper,
    McpDispatcher,
    McpProtocol,
    McpClientInput,
    McpSubscriptions,
    McpNotifications,
    McpSessionStore,
    McpHttpHandler,
    McpOriginGuard,
    McpRouteGuard,
    McpAuthenticationService,
    McpAuthenticationGuard,
    {
      provide: MCP_ROUTE_AUTH_GUARD,
      useFactory: (options: McpResolvedOptions, moduleRef: ModuleRef, guard: McpAuthenticationGuard) =>
        options.authenticationGuard ? moduleRef.create(options.authenticationGuard) : guard,
      inject: [MCP_RESOLVED_OPTIONS, ModuleRef, McpAuthenticationGuard],
    },
    McpProtectedResourceMetadata,
    { provide: MCP_OUTBOUND_FETCH, useFactory: outboundFetch, inject: [MCP_RESOLVED_OPTIONS] },
    McpAuthorizationServerMetadata,
    McpAuthorizer,
    McpAudit,
    McpAccess,
    McpBodyErrors,
    McpBodyLimit,
    McpStartupLog,
  ],
  exports: [MCP_MODULE_OPTIONS, MCP_RESOLVED_OPTIONS, McpRegistry, McpProtocol, McpNotifications, McpAuthenticationService, McpAuthenticationGuard],
})
export class McpAuthModule extends McpAuthConfigurableModule {
  static forRoot(options: typeof MCP_OPTIONS_TYPE): DynamicModule {
    const definition = super.forRoot(options);
    return options.http === false ? definition : withRoute(definition);
  }

  static forRootAsync(options: typeof MCP_ASYNC_OPTIONS_TYPE): DynamicModule {
    return withRoute(super.forRootAsync(options));
  }
}

/** The module's own outbound fetch: the `outbound` policy, with the metadata timeout and a 256 KiB cap unless set lower. */
function outboundFetch(options: McpResolvedOptions) {
  const { outbound, authorizationServer } = options;
  const timeoutMs = Math.min(outbound.timeoutMs ?? Infinity, authorizationServer?.metadataTimeoutMs ?? MCP_DEFAULTS.metadataTimeoutMs);
  const maxBytes = Math.min(outbound.maxBytes ?? Infinity, MCP_DEFAULTS.metadataMaxBytes);
  return bindPolicy({ ...outbound, timeoutMs, maxBytes }, 'McpAuthModule', 'outbound.');
}

/** Adds this definition's own route controller and the provider that gives it the configured path. */
function withRoute(definition: DynamicModule): DynamicModule {
  const controller = createMcpRouteController();
  const providers: Provider[] = [
    { provide: MCP_ROUTE_CONTROLLER, useValue: controller },
    {
      provide: MCP_ROUTE_BINDING,
      useFactory: (options: McpResolvedOptions, route: Type<unknown>) => {
        // With `http: false` from async options the route keeps the default path and answers 404.
        Reflect.defineMetadata(PATH_METADATA, options.http ? options.http.path : MCP_DEFAULTS.path, route);
        // The POST handler carries its body limit to the adapter (see McpBodyLimit).
        const post = (route.prototype as { post: object }).post;
        if (options.http) Reflect.defineMetadata(MCP_ROUTE_BODY_LIMIT, options.http.maxBodyBytes, post);
        return true;
      },
      inject: [MCP_RESOLVED_OPTIONS, MCP_ROUTE_CONTROLLER],
    },
  ];
  return {
    ...definition,
    controllers: [...(definition.controllers ?? []), controller],
    providers: [...(definition.providers ?? []), ...providers],
  };
}
