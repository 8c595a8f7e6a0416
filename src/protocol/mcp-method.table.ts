import {
  InitializeRequestSchema,
  LATEST_PROTOCOL_VERSION,
  SetLevelRequestSchema,
  SUPPORTED_PROTOCOL_VERSIONS,
} from '@modelcontextprotocol/sdk/types.js';
import type { McpRegistry } from '../discovery/mcp.registry.js';
import type { McpContext } from '../execution/mcp-context.js';
import type { McpDispatcher } from '../protocol/mcp.dispatcher.js';
import { JsonRpcCode, McpProtocolError } from '../protocol/json-rpc.errors.js';
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
/** Rarely called methods are held to the SDK's own request schema. */
function parsed(schema: { safeParse(value: unknown): { success: boolean } }, method: string, params: Params): void {
  if (!schema.safeParse({ method, params }).success) throw invalidParams();
}

/**
 * The one JSON-RPC method table, for Streamable HTTP and stdio alike: built once at bootstrap from what the registry
 * holds (a family without components is "Method not found", as its capability is not advertised). The SDK is used for
 * its protocol constants and request schemas, never as a per-request server.
 */
export function createMethodTable(registry: McpRegistry, dispatcher: McpDispatcher, options: McpResolvedOptions): ReadonlyMap<string, McpMethod> {
  const { tools, resources, resourceTemplates, prompts } = registry;
  const methods = new Map<string, McpMethod>();
  const capabilities = {
    logging: {},
    ...(tools.size && { tools: { listChanged: true } }),
    ...((resources.size || resourceTemplates.size) && { resources: { listChanged: true } }),
    ...(prompts.size && { prompts: { listChanged: true } }),
  };
  const serverInfo = { name: options.name, version: options.version, ...(options.title && { title: options.title }) };
  methods.set('initialize', (params) => {
    parsed(InitializeRequestSchema, 'initialize', params);
    const requested = params.protocolVersion as string;
    return {
      protocolVersion: SUPPORTED_PROTOCOL_VERSIONS.includes(requested) ? requested : LATEST_PROTOCOL_VERSION,
      capabilities,
      serverInfo,
      ...(options.instructions && { instructions: options.instructions }),
    };
  });
  methods.set('ping', () => ({}));
  methods.set('logging/setLevel', (params, context) => {
    parsed(SetLevelRequestSchema, 'logging/setLevel', params);
    const session = (context as unknown as McpContextInternals)[MCP_REQUEST_STATE].session;
    if (session) session.logLevel = params.level as typeof session.logLevel;
    return {};
  });
  if (tools.size) {
    methods.set('tools/list', (_p, c) => dispatcher.listTools(c));
    methods.set('tools/call', (p, c) => dispatcher.callTool(str(p.name), record(p.arguments), c));
  }
  if (resources.size || resourceTemplates.size) {
    methods.set('resources/list', (_p, c) => dispatcher.listResources(c));
    methods.set('resources/templates/list', (_p, c) => dispatcher.listResourceTemplates(c));
    methods.set('resources/read', (p, c) => dispatcher.readResource(str(p.uri), c));
  }
  if (prompts.size) {
    methods.set('prompts/list', (_p, c) => dispatcher.listPrompts(c));
    methods.set('prompts/get', (p, c) => dispatcher.getPrompt(str(p.name), record(p.arguments), c));
  }
  return methods;
}
