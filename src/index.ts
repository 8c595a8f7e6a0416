export { McpAuthModule } from './mcp-auth.module.js';
export { MCP_MODULE_OPTIONS } from './mcp-auth.module-definition.js';
export type { McpAuthModuleOptions, McpHttpOptions, McpStdioAuthOptions } from './mcp-auth.options.js';

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
  getMcpAuthResult,
  toAuthResult,
  type McpAuthResult,
  type McpAuthResultInit,
  type McpAuthSource,
  type McpPrincipalInfo,
} from './authentication/mcp-auth-result.js';
export { McpAuthError, type McpAuthErrorCode } from './authentication/mcp-auth.error.js';
export {
  McpAuthenticator,
  type McpAuthenticateFn,
  type McpAuthenticatorFactory,
  type McpAuthenticatorSetup,
  type McpAuthenticatorSpec,
  type McpAuthRequest,
} from './authentication/mcp-authenticator.js';
export { McpAuthGuard } from './authentication/mcp-auth.guard.js';
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
  type McpAuthCheck,
  type McpAuthContext,
  type McpBuiltinCheck,
  type McpCheckFn,
  type McpCheckHandler,
  type McpCheckOutcome,
} from './authorization/mcp-auth-check.js';
export { McpAuth } from './authorization/mcp-auth.decorator.js';
export { McpListSafe } from './decorators/mcp-list-safe.decorator.js';
export type { McpAuthDecision } from './authorization/mcp-auth-check.js';
export type { McpSession, McpVisibilityFilter } from './execution/mcp-context.js';
