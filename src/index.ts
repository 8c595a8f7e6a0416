export { McpAuthModule } from './mcp-auth.module.js';
export { MCP_MODULE_OPTIONS } from './mcp-auth.module-definition.js';
export type {
  McpAuthModuleOptions,
  McpAuthorizationServerOptions,
  McpHttpOptions,
  McpLoggingOptions,
  McpProtocolOptions,
  McpRemoteAuthorizationServerOptions,
  McpStdioAuthOptions,
} from './mcp-auth.options.js';
export type { McpProtocolEras } from './protocol/mcp-versions.js';

export { McpTool } from './decorators/mcp-tool.decorator.js';
export { McpResource, McpResourceTemplate } from './decorators/mcp-resource.decorator.js';
export { McpPrompt } from './decorators/mcp-prompt.decorator.js';
export { McpProperty, type McpPropertyOptions } from './decorators/mcp-property.decorator.js';
export { McpArgs, McpContext, McpPrincipal } from './decorators/mcp-params.decorator.js';
export type {
  McpPromptOptions,
  McpResourceOptions,
  McpResourceTemplateOptions,
  McpToolAnnotations,
  McpToolOptions,
} from './decorators/mcp-component.options.js';

export {
  ANONYMOUS,
  getMcpPrincipal,
  toMcpPrincipal,
  type McpPrincipalInit,
  type McpPrincipalSource,
  type McpPrincipalInfo,
} from './authentication/mcp-principal.js';
export { McpAuthenticationError, type McpAuthenticationErrorCode } from './authentication/mcp-authentication.error.js';
export {
  McpAuthenticator,
  type McpAuthenticateFn,
  type McpAuthenticatorFactory,
  type McpAuthenticatorSetup,
  type McpAuthenticatorSpec,
  type McpAuthRequest,
} from './authentication/mcp-authenticator.js';
export { McpAuthenticationGuard } from './authentication/mcp-authentication.guard.js';
export { McpJwt, type McpJwtOptions, type McpJwtServiceOptions } from './authentication/jwt.authenticator.js';
export { McpPassport, McpFromRequestUser, type McpPassportOptions } from './authentication/passport.authenticator.js';
export { McpStaticTokens, type McpStaticTokensOptions } from './authentication/static-tokens.authenticator.js';
export { McpIntrospection, type McpIntrospectionOptions } from './authentication/introspection.authenticator.js';
export type { McpClaimsMapping, McpClaimReader } from './authentication/claims.mapping.js';
export type { JwksCacheOptions } from './authentication/jwks.cache.js';

export { McpExecutionContext } from './execution/mcp-execution-context.js';
export { MCP_LOG_LEVELS, type McpLogLevel } from './execution/mcp-context.js';
export type { McpComponentInfo, McpComponentKind, McpPhase } from './execution/mcp-invocation.js';
export { McpToolError } from './execution/mcp-tool.error.js';

export { runMcpStdio, McpStdioLogger, type McpStdioOptions } from './transport/mcp-stdio.js';

export {
  AllOf,
  AnyOf,
  RequireAnyScope,
  RequireAuth,
  RequireRoles,
  RequireScopes,
  RestrictTag,
} from './authorization/mcp-checks.js';
export {
  McpAuthorizationError,
  type McpAuthorizationCheck,
  type McpAuthorizationContext,
  type McpBuiltinCheck,
  type McpCheckFn,
  type McpCheckHandler,
  type McpCheckOutcome,
} from './authorization/mcp-authorization-check.js';
export { McpAuthorize } from './authorization/mcp-authorize.decorator.js';
export { McpListSafe } from './decorators/mcp-list-safe.decorator.js';
export { McpNotifications } from './protocol/mcp-notifications.js';
export type { McpListKind } from './protocol/mcp-subscriptions.js';
export { McpComplete, type McpCompletionContext, type McpCompletionResult, type McpCompletionTarget } from './decorators/mcp-complete.decorator.js';
export type { McpAuthorizationDecision, McpDecisionOutcome } from './authorization/mcp-authorization-check.js';
export type { McpSession, McpVisibilityFilter, McpElicitation, McpSamplingRequest, McpSamplingResult } from './execution/mcp-context.js';

export {
  mcpSafeFetch,
  createMcpSafeFetch,
  McpFetchResponse,
  type McpSafeFetchFn,
  type McpSafeFetchOptions,
  type McpSafeFetchPolicy,
  type McpSafeFetchRequest,
  type McpFetchLookup,
  type McpResolvedAddress,
} from './net/mcp-safe-fetch.js';
export { McpFetchError, McpFetchRefusedError, type McpFetchFailure, type McpFetchRefusal } from './net/mcp-fetch.error.js';
