export { createMcpTestIssuer, McpTestIssuer, type McpTestIssuerOptions, type McpTestTokenOptions } from './mcp-test.issuer.js';
export type { McpTestPrincipal } from './mcp-test.principal.js';
export { connectMcpTestClient, type McpTestClientOptions, type McpTestConnection } from './mcp-test.client.js';
export { createMcpTestRunner, McpTestCaller, McpTestRunner, type McpTestCallerOptions, type McpTestResponse } from './mcp-test.runner.js';
export { McpTestRpcError } from './mcp-test.error.js';
