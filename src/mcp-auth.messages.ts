import type { McpFetchFailure, McpFetchRefusal } from './net/mcp-fetch.error.js';

/**
 * Every user-facing error text, as functions, so tests assert with the same words users read.
 */
export const McpMessages = {
  optionInvalid: (path: string, expected: string, got: unknown) =>
    `McpAuthModule: option "${path}" must be ${expected} (got ${describe(got)}).`,
  optionUnknown: (path: string, known: readonly string[]) =>
    `McpAuthModule: there is no option "${path}"; the options there are ${known.map((k) => `"${k}"`).join(', ')}.`,
  optionRequired: (path: string, hint: string) => `McpAuthModule: option "${path}" is required. ${hint}`,
  duplicateComponent: (kind: string, name: string, first: string, second: string) =>
    `McpAuthModule: two ${kind}s are named "${name}": ${first} and ${second}. Give one of them another name with the "name" option of its decorator.`,
  duplicateResourceUri: (uri: string, first: string, second: string) =>
    `McpAuthModule: two resources serve the URI "${uri}": ${first} and ${second}. Each resource URI must be unique.`,
  undecoratedParameter: (where: string, index: number) =>
    `McpAuthModule: parameter #${index} of ${where} has no decorator. MCP handlers receive only decorated parameters: use @McpArgs(), @McpPrincipal(), @McpContext() or a createParamDecorator() decorator.`,
  invalidTemplate: (where: string, template: string, reason: string) =>
    `McpAuthModule: the uriTemplate "${template}" of ${where} is not a valid RFC 6570 template: ${reason}.`,
  ambiguousTemplate: (where: string, template: string, first: string, second: string) =>
    `McpAuthModule: the uriTemplate "${template}" of ${where} cannot be matched: ${first} is directly followed by ${second}, so a URI does not show where one value ends and the next begins. Put literal text between them (e.g. ${first}-${second}) or give the second an operator that starts with a character ({.x}, {/x}, {;x}, {?x}, {&x} or {#x}).`,
  templateVariableUnknown: (where: string, variable: string, template: string) =>
    `McpAuthModule: ${where} reads @McpArgs('${variable}') but the uriTemplate "${template}" has no {${variable}} variable.`,
  missingDescription: (kind: string, where: string) =>
    `McpAuthModule: the ${kind} ${where} needs a "description" (clients show it to models to choose the ${kind}).`,
  invalidName: (kind: string, where: string, name: string) =>
    `McpAuthModule: the ${kind} name "${name}" of ${where} is invalid: use 1-128 characters from A-Z a-z 0-9 _ - .`,
  requestScopedUnsupported: (where: string) =>
    `McpAuthModule: ${where} is request-scoped but could not be resolved per request.`,
  staticTokensInProduction: () =>
    'McpStaticTokens: static tokens are for development and tests and refuse to run with NODE_ENV=production. Use McpJwt (or another real authenticator) in production, or pass allowInProduction: true if you really mean it.',
  noAuthenticator: () =>
    'McpAuthModule: no authenticator is configured, so every request would be refused. Add authenticate: [McpJwt({ ... })] (or McpPassport, McpStaticTokens, your own), or set allowAnonymous: true to serve a public MCP server.',
  resourceRequired: () =>
    'McpAuthModule: option "resource" is required when authenticators are configured: set it to the public URL of the MCP endpoint (e.g. https://api.example.com/mcp). It is the audience tokens must carry (RFC 8707) and the "resource" of the protected resource metadata (RFC 9728); it is never guessed from the Host header.',
  authenticatorInvalid: (index: number) =>
    `McpAuthModule: authenticate[${index}] is not an authenticator: use McpJwt(...), McpPassport(...), McpStaticTokens(...), McpIntrospection(...), a function (request) => result | null, or an injectable class implementing McpAuthenticator.`,
  authenticatorClassMissing: (name: string) =>
    `McpAuthModule: the authenticator class ${name} could not be resolved; add it to the providers of a module the app imports.`,
  stdioNoPrincipal: (envName: string) =>
    `runMcpStdio: no credentials for stdio. Set the ${envName} environment variable to an access token (verified by the configured authenticators), set stdio.principal in the McpAuthModule options, or allowAnonymous: true.`,
  stdioTokenUnverifiable: (envName: string) =>
    `runMcpStdio: ${envName} holds a token but no authenticator is configured to verify it. Configure authenticate: [...] or unset ${envName}.`,
  stdioTokenRefused: (envName: string) => `runMcpStdio: the token in ${envName} was refused by the configured authenticators.`,
  unauthorized: () => 'Unauthorized: authentication is required',
  invalidToken: () => 'Unauthorized: the access token is invalid or expired',
  insufficientScope: () => 'Forbidden: the access token lacks a required scope',
  invalidAuthorization: () => 'Bad Request: the authorization request is malformed',
  invalidCheck: (where: string) =>
    `McpAuthModule: an authorization check of ${where} is not a check: use RequireScopes(...), RequireRoles(...), RequireAuth(), AnyOf/AllOf, a function (ctx) => boolean, or an injectable class with check(ctx).`,
  checkClassMissing: (name: string, where: string) =>
    `McpAuthModule: the check class ${name} used by ${where} could not be resolved; add it to the providers of a module the app imports.`,
  accessDenied: (message: string) => `Forbidden: ${message}`,
  stepUpRequired: () => 'Forbidden: the access token lacks a required scope',
  unknownTool: (name: string) => `Unknown tool: ${name}`,
  unknownPrompt: (name: string) => `Unknown prompt: ${name}`,
  unknownResource: (uri: string) => `Resource not found: ${uri}`,
  resourceUriTooLong: (max: number) => `Invalid params: a resource URI is at most ${max} characters`,
  invalidArguments: (details: string[]) => `Invalid arguments: ${details.join('; ')}`,
  /** Arguments class-transformer or class-validator threw on: fixed words, since an exception's text may echo them. */
  argumentsUnreadable: (phase: 'conversion' | 'validation') =>
    `arguments could not be read: ${phase === 'conversion' ? 'a value has a shape that cannot be converted' : 'a validation rule could not process a value'}`,
  internalError: (correlationId: string) => `Internal error (reference: ${correlationId})`,
  originNotAllowed: () => 'Forbidden: the Origin of this request is not allowed',
  hostNotAllowed: () => 'Forbidden: the Host of this request is not allowed',
  bodyTooLarge: (limit?: number) =>
    limit === undefined ? 'Payload Too Large: the body exceeds the size limit' : `Payload Too Large: the body exceeds ${limit} bytes`,
  bodyRefused: (status: number) =>
    status === 415 ? 'Unsupported Media Type: Content-Type must be application/json' : 'Bad Request: the body could not be read',
  tooDeep: (limit: number) => `Invalid Request: JSON nested deeper than ${limit} levels`,
  batchTooLarge: (limit: number) => `Invalid Request: a batch may hold at most ${limit} messages`,
  tooManySessions: () => 'Service Unavailable: too many open sessions, retry later',
  sessionRequired: () => 'Bad Request: the Mcp-Session-Id header is required',
  sessionNotFound: () => 'Session not found',
  initializeWithSession: () => 'Bad Request: initialize must not carry an Mcp-Session-Id header',
  initializeNotAlone: () => 'Bad Request: initialize must be the only message of its request',
  unsupportedProtocolVersion: (version: string, supported: readonly string[]) =>
    `Bad Request: unsupported MCP-Protocol-Version "${truncate(version)}" (supported: ${supported.join(', ')})`,
  unsupportedMediaType: () => 'Unsupported Media Type: Content-Type must be application/json',
  notAcceptable: (needed: string) => `Not Acceptable: the Accept header must include ${needed}`,
  parseError: () => 'Parse error: the body is not valid JSON',
  invalidRequest: () => 'Invalid Request: the body is not a JSON-RPC 2.0 message or batch',
  methodNotAllowed: () => 'Method not allowed in stateless mode',
  completionTargetUnknown: (handler: string, kind: string, name: string) =>
    `McpAuthModule: ${handler} completes an argument of ${kind} "${name}", which no @McpPrompt/@McpResourceTemplate declares.`,
  completionArgumentUnknown: (handler: string, argument: string, name: string, known: readonly string[]) =>
    `McpAuthModule: ${handler} completes argument "${argument}" of "${name}", which has ${known.length ? `only ${known.map((k) => `"${k}"`).join(', ')}` : 'no arguments'}.`,
  completionDuplicate: (handler: string, argument: string, name: string) =>
    `McpAuthModule: ${handler} completes argument "${argument}" of "${name}", which another @McpComplete method already completes.`,
  completerNotStatic: (handler: string) =>
    `McpAuthModule: ${handler} is an @McpComplete method on a request-scoped provider; completers must live on singleton providers.`,
  unknownResourceTemplate: (uri: string) => `Unknown resource template: ${truncate(uri)}`,
  inputSchemaWithDto: (handler: string, dto: string) =>
    `McpAuthModule: ${handler} declares an inputSchema and also takes the DTO ${dto} through @McpArgs(); keep one source of truth (drop the inputSchema, or take the arguments as a plain object).`,
  inputSchemaInvalid: (handler: string, detail: string) => `McpAuthModule: the inputSchema of ${handler} is not a valid JSON Schema: ${detail}`,
  elicitationNotFlat: (dto: string, property: string) =>
    `McpAuthModule: ${dto}.${property} cannot be asked for by elicitation: its properties must be strings, numbers, integers, booleans or string enums.`,
  invalidClientAnswer: (kind: string, detail: string) => `The client's ${kind} answer is invalid: ${detail}`,
  requestStateRefused: () => 'Invalid params: requestState is not one this server issued for this request and caller, or it has expired',
  clientCapabilityMissing: (capability: string) => `Missing required client capability: ${capability}`,
  clientUnreachable: (kind: string) =>
    `This request cannot reach the client for ${kind}: it needs a 2026-07-28 client, a stateful session whose call accepts an event stream, or stdio`,
  subscribeNeedsSession: () => 'Invalid Request: resources/subscribe needs a session (stateful HTTP or stdio); 2026-07-28 clients use subscriptions/listen',
  tooManySubscriptions: (max: number) => `Invalid params: at most ${max} resource subscriptions`,
  listenNeedsStream: () => 'Not Acceptable: subscriptions/listen answers with an event stream; the Accept header must include text/event-stream',
  methodNotAllowedModern: () => 'Method not allowed: this endpoint speaks MCP 2026-07-28, which takes POST only',
  batchNotModern: () => 'Invalid Request: JSON-RPC batches cannot carry MCP 2026-07-28 requests, and a 2026-07-28 endpoint takes none',
  responseNotModern: () => 'Invalid Request: JSON-RPC responses cannot be posted to an MCP 2026-07-28 endpoint',
  streamAlreadyOpen: () => 'Conflict: this session already has an open event stream',
  fetchRefused: (target: string, reason: McpFetchRefusal) => `mcpSafeFetch refused ${target}: ${FETCH_REFUSALS[reason]}.`,
  fetchFailed: (target: string, reason: McpFetchFailure, limit?: number) =>
    `mcpSafeFetch failed for ${target}: ${FETCH_FAILURES[reason]}${limit === undefined ? '' : ` (${limit})`}.`,
  fetchOptionInvalid: (where: string, path: string, expected: string, got: unknown) =>
    `${where}: option "${path}" must be ${expected} (got ${describe(got)}).`,
  issuerMetadataUnavailable: () => 'The authorization server metadata is temporarily unavailable',
  stdioRequiresContext: () =>
    'runMcpStdio: pass the application context created with NestFactory.createApplicationContext(AppModule) where AppModule imports McpAuthModule.',
};

function describe(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'string') return JSON.stringify(truncate(value));
  if (typeof value === 'function') return 'a function';
  try {
    return truncate(JSON.stringify(value) ?? String(value));
  } catch {
    return typeof value;
  }
}

function truncate(value: string, max = 80): string {
  return value.length > max ? `${value.slice(0, max)}…` : value;
}

const FETCH_REFUSALS: Record<McpFetchRefusal, string> = {
  invalid_url: 'not an absolute URL without credentials',
  scheme: 'only http and https are fetched',
  insecure: 'plain http is refused unless the allow-list names this origin; use https',
  blocked_address: 'the host is or resolves to a non-public address (loopback, private, link-local, reserved); allow-list it if it is trusted',
  redirect: 'the server redirected and redirects are refused',
  too_many_redirects: 'too many redirects',
};

const FETCH_FAILURES: Record<McpFetchFailure, string> = {
  dns: 'the host name did not resolve',
  connect_timeout: 'no connection within the connect timeout',
  timeout: 'no complete response within the timeout',
  too_large: 'the response is larger than the size limit',
  aborted: 'the request was aborted',
  network: 'the connection failed',
};
