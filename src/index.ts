export { McpAuthModule } from './mcp-auth.module.js';
export { MCP_MODULE_OPTIONS } from './mcp-auth.module-definition.js';
export type { McpAuthModuleOptions, McpHttpOptions } from './mcp-auth.options.js';

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

export { ANONYMOUS, type McpAuthResult, type McpAuthSource, type McpPrincipalInfo } from './authentication/mcp-auth-result.js';

export { McpExecutionContext } from './execution/mcp-execution-context.js';
export { MCP_LOG_LEVELS, type McpLogLevel } from './execution/mcp-context.js';
export type { McpComponentInfo, McpComponentKind, McpPhase } from './execution/mcp-invocation.js';
export { McpToolError } from './execution/mcp-tool.error.js';

export { runMcpStdio, McpStdioLogger, type McpStdioOptions } from './transport/mcp-stdio.js';
