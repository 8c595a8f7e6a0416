/** Metadata keys written by the component decorators (namespaced, never concatenated). */
export const MCP_TOOL_METADATA = 'mcp:tool';
export const MCP_RESOURCE_METADATA = 'mcp:resource';
export const MCP_RESOURCE_TEMPLATE_METADATA = 'mcp:resource-template';
export const MCP_PROMPT_METADATA = 'mcp:prompt';
export const MCP_PROPERTY_METADATA = 'mcp:property';
export const MCP_AUTH_METADATA = 'mcp:auth';
/** On a method: the prompt and template arguments it completes (`@McpComplete()`). */
export const MCP_COMPLETE_METADATA = 'mcp:complete';
/** On a guard class: the guard has no side effects and also runs while listing (`@McpListSafe()`). */
export const MCP_LIST_SAFE_METADATA = 'mcp:list-safe';

/** The context type guards and interceptors see from `ExecutionContext#getType()`. */
export const MCP_CONTEXT_TYPE = 'mcp';

/** DI token of the validated options with every default filled in. */
export const MCP_RESOLVED_OPTIONS = Symbol('McpResolvedOptions');
/** DI token of the per-module route controller class (its path comes from the options). */
export const MCP_ROUTE_CONTROLLER = Symbol('McpRouteController');
/** DI token of the provider that binds the route path onto that controller. */
export const MCP_ROUTE_BINDING = Symbol('McpRouteBinding');
/** DI token of the authentication guard the MCP route runs (`McpAuthenticationGuard`, or the app's `authenticationGuard`). */
export const MCP_ROUTE_AUTH_GUARD = Symbol('McpRouteAuthGuard');
/** Metadata on the route's POST handler: its body limit (`http.maxBodyBytes`), applied by `McpBodyLimit`. */
export const MCP_ROUTE_BODY_LIMIT = Symbol('McpRouteBodyLimit');
/** DI token of the safe fetch function the module's own outbound requests use (bound to the `outbound` policy). */
export const MCP_OUTBOUND_FETCH = Symbol('McpOutboundFetch');
