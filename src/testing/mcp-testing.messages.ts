/** The user-facing error texts of `nestjs-mcp-auth/testing`, as functions (tests assert with the same words). */
export const McpTestingMessages = {
  issuerInProduction: () =>
    'McpTestIssuer: a test issuer mints tokens for anyone who asks and refuses to start with NODE_ENV=production. Use it in tests only, or pass allowInProduction: true if a test really runs with NODE_ENV=production.',
  noAudience: () =>
    'McpTestIssuer: a token needs an audience. Pass "audience" to createMcpTestIssuer() (usually the module\'s "resource" URL) or to mint().',
  invalidPrincipal: (detail: string) => `nestjs-mcp-auth/testing: invalid test principal: ${detail}.`,
  invalidLifetime: (value: unknown) => `McpTestIssuer: expiresIn must be a number of seconds > 0 (got ${String(value)}).`,
  runnerWithoutModule: () =>
    'createMcpTestRunner: McpAuthModule was not found in this application context. Import McpAuthModule.forRoot(...) (or forRootAsync) in the module under test.',
  clientWithoutRoute: () =>
    'connectMcpTestClient: the app serves no MCP HTTP route (http: false). Test it with createMcpTestRunner() or over stdio instead.',
  clientCredentials: () =>
    'connectMcpTestClient: give either "token" or "issuer" with "principal" (to mint one), not both.',
  clientOnPipe: () => 'connectMcpTestClient: the app listens on a pipe, not a TCP port: pass the endpoint URL instead of the app.',
  clientPrincipalWithoutIssuer: () => 'connectMcpTestClient: "principal" needs an "issuer" to mint its token.',
} as const;
