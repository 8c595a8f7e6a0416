import type { McpRegistry } from '../discovery/mcp.registry.js';
import type { McpContext } from '../execution/mcp-context.js';
import { MCP_LOG_LEVELS, type McpLogLevel } from '../execution/mcp-context.js';
import { JsonRpcCode, McpProtocolError } from './json-rpc.errors.js';
import type { McpCompletionRequest, McpDispatcher } from './mcp.dispatcher.js';
import { LATEST_VERSION, SUPPORTED_VERSIONS, type McpProtocolEras } from './mcp-versions.js';
import { META, supportedVersions } from './mcp-envelope.js';
import { resultFields, withResultFields, type McpResultFields } from './json-rpc.js';
import type { McpFamily } from '../discovery/mcp.registry.js';
import type { McpSubscriptions } from './mcp-subscriptions.js';
import type { McpResolvedOptions } from '../mcp-auth.options.js';
import { MCP_REQUEST_STATE, type McpContextInternals } from './mcp-request-state.js';

type Params = Record<string, unknown>;
/** One JSON-RPC method: its params (already known to be an object) and the request's context. */
export type McpMethod = (params: Params, context: McpContext) => unknown;

const invalidParams = () => new McpProtocolError(JsonRpcCode.InvalidParams, 'Invalid params');

/** Request parameters the SDK's schemas would refuse are refused the same way (-32602); plain checks on hot methods. */
function str(value: unknown): string {
  if (typeof value !== 'string') throw invalidParams();
  return value;
}
function record(value: unknown): Params | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalidParams();
  return value as Params;
}
const isObject = (value: unknown): value is Params => typeof value === 'object' && value !== null && !Array.isArray(value);
const optionalString = (value: unknown) => value === undefined || typeof value === 'string';

/**
 * `initialize`: what the SDK's request schema requires of the fields this server reads or answers from — a string
 * `protocolVersion`, a `capabilities` object, a `clientInfo` object with string `name` and `version` (and string
 * `title`/`websiteUrl` when given), an object `_meta` when given. Members of `capabilities` and `clientInfo.icons`,
 * which the server never reads, are not checked. Held to the SDK's schema by `test/unit/method-params.spec.ts`.
 */
export function initializeVersion(params: Params): string {
  const { protocolVersion, capabilities, clientInfo, _meta } = params;
  if (typeof protocolVersion !== 'string' || !isObject(capabilities) || !isObject(clientInfo)) throw invalidParams();
  if (typeof clientInfo.name !== 'string' || typeof clientInfo.version !== 'string') throw invalidParams();
  if (!optionalString(clientInfo.title) || !optionalString(clientInfo.websiteUrl)) throw invalidParams();
  if (_meta !== undefined && !isObject(_meta)) throw invalidParams();
  return protocolVersion;
}

/**
 * `completion/complete`: `ref` names a prompt (`ref/prompt` + `name`) or a resource template (`ref/resource` + `uri`),
 * `argument` has string `name` and `value`, `context.arguments` (when given) maps names to strings.
 */
export function completionRequest(params: Params): McpCompletionRequest {
  const { ref, argument, context } = params;
  if (!isObject(ref) || !isObject(argument) || typeof argument.name !== 'string' || typeof argument.value !== 'string') throw invalidParams();
  let name: unknown;
  if (ref.type === 'ref/prompt') name = ref.name;
  else if (ref.type === 'ref/resource') name = ref.uri;
  else throw invalidParams();
  if (typeof name !== 'string') throw invalidParams();
  let args: Record<string, string> = {};
  if (context !== undefined) {
    if (!isObject(context)) throw invalidParams();
    if (context.arguments !== undefined) {
      if (!isObject(context.arguments) || Object.values(context.arguments).some((v) => typeof v !== 'string')) throw invalidParams();
      args = { ...(context.arguments as Record<string, string>) };
    }
  }
  return { ref: { type: ref.type, name }, argument: argument.name, value: argument.value, arguments: Object.freeze(args) };
}

/** `logging/setLevel`: one of the eight syslog levels. */
export function logLevel(params: Params): McpLogLevel {
  const level = params.level;
  if (typeof level !== 'string' || !(MCP_LOG_LEVELS as readonly string[]).includes(level)) throw invalidParams();
  if (params._meta !== undefined && !isObject(params._meta)) throw invalidParams();
  return level as McpLogLevel;
}

/** The per-era options the method tables read. */
export interface McpMethodTableOptions {
  readonly eras: McpProtocolEras;
  /** `ttlMs` of 2026-07-28 list and discovery results. */
  readonly listTtlMs: number;
}

/**
 * The JSON-RPC method tables, for Streamable HTTP and stdio alike: one per protocol era, built once at bootstrap from
 * what the registry holds (a family without components is "Method not found", as its capability is not advertised).
 * Both eras call the same dispatcher: the 2025 table adds the handshake methods (`initialize`, `ping`,
 * `logging/setLevel`); the 2026-07-28 one adds `server/discover` and dresses every result with `resultType`, the
 * server's identity and, on cacheable results, `ttlMs` and `cacheScope`. Params are checked by hand, as the SDK's
 * schemas would check them: the HTTP path never loads the SDK.
 */
export function createMethodTables(
  registry: McpRegistry,
  dispatcher: McpDispatcher,
  subscriptions: McpSubscriptions,
  options: McpResolvedOptions,
  table: McpMethodTableOptions,
): { readonly legacy: ReadonlyMap<string, McpMethod>; readonly modern: ReadonlyMap<string, McpMethod> } {
  const { tools, resources, resourceTemplates, prompts } = registry;
  const hasResources = resources.size > 0 || resourceTemplates.size > 0;
  const capabilities = {
    logging: {},
    ...(registry.completes && { completions: {} }),
    ...(tools.size && { tools: { listChanged: true } }),
    ...(hasResources && { resources: { subscribe: true, listChanged: true } }),
    ...(prompts.size && { prompts: { listChanged: true } }),
  };
  const serverInfo = { name: options.name, version: options.version, ...(options.title && { title: options.title }) };

  const shared = new Map<string, McpMethod>();
  if (tools.size) {
    shared.set('tools/list', (_p, c) => dispatcher.listTools(c));
    shared.set('tools/call', (p, c) => dispatcher.callTool(str(p.name), record(p.arguments), c));
  }
  if (hasResources) {
    shared.set('resources/list', (_p, c) => dispatcher.listResources(c));
    shared.set('resources/templates/list', (_p, c) => dispatcher.listResourceTemplates(c));
    shared.set('resources/read', (p, c) => dispatcher.readResource(str(p.uri), c));
  }
  if (prompts.size) {
    shared.set('prompts/list', (_p, c) => dispatcher.listPrompts(c));
    shared.set('prompts/get', (p, c) => dispatcher.getPrompt(str(p.name), record(p.arguments), c));
  }
  if (registry.completes) shared.set('completion/complete', (p, c) => dispatcher.complete(completionRequest(p), c));

  const legacy = new Map<string, McpMethod>();
  if (table.eras !== 'modern') {
    legacy.set('initialize', (params, context) => {
      const requested = initializeVersion(params);
      // What the client can be asked for (elicitation, sampling) in this session.
      const session = (context as unknown as McpContextInternals)[MCP_REQUEST_STATE].session;
      if (session) session.clientCapabilities = Object.freeze({ ...(params.capabilities as Record<string, unknown>) });
      return {
        protocolVersion: SUPPORTED_VERSIONS.includes(requested) ? requested : LATEST_VERSION,
        capabilities,
        serverInfo,
        ...(options.instructions && { instructions: options.instructions }),
      };
    });
    legacy.set('ping', () => ({}));
    if (hasResources) {
      legacy.set('resources/subscribe', (p, c) => subscriptions.subscribe(str(p.uri), c));
      legacy.set('resources/unsubscribe', (p, c) => subscriptions.unsubscribe(str(p.uri), c));
    }
    legacy.set('logging/setLevel', (params, context) => {
      const level = logLevel(params);
      const session = (context as unknown as McpContextInternals)[MCP_REQUEST_STATE].session;
      if (session) session.logLevel = level;
      return {};
    });
    for (const [name, method] of shared) legacy.set(name, method);
  }

  const modern = new Map<string, McpMethod>();
  if (table.eras !== 'legacy') {
    const meta = { [META.serverInfo]: serverInfo };
    const complete = resultFields({ resultType: 'complete', _meta: meta });
    const cacheable = (scope: 'public' | 'private', ttlMs: number) => resultFields({ resultType: 'complete', ttlMs, cacheScope: scope, _meta: meta });
    const listFields = (family: McpFamily) => cacheable(dispatcher.isPublic(family) ? 'public' : 'private', table.listTtlMs);
    // A read depends on the caller and on data the module does not know: fresh for no time, never shared.
    const readFields = cacheable('private', 0);
    const fieldsOf: Record<string, McpResultFields> = {
      'tools/list': listFields('tools'),
      'resources/list': listFields('resources'),
      'resources/templates/list': listFields('resourceTemplates'),
      'prompts/list': listFields('prompts'),
      'resources/read': readFields,
    };
    const discover = withResultFields(
      {
        supportedVersions: [...supportedVersions(table.eras)],
        capabilities,
        ...(options.instructions && { instructions: options.instructions }),
      },
      cacheable('public', table.listTtlMs),
    );
    modern.set('server/discover', () => discover);
    modern.set('subscriptions/listen', (p, c) => subscriptions.listen(p, c).then((v) => withResultFields(v, complete)));
    for (const [name, method] of shared) {
      const fields = fieldsOf[name] ?? complete;
      modern.set(name, (params, context) => {
        const value = method(params, context);
        return value instanceof Promise ? value.then((v) => withResultFields(v, fields)) : withResultFields(value, fields);
      });
    }
  }
  return { legacy, modern };
}
