/**
 * The work every hand-written peer does for one request (the floor and the Nest ceilings share it), so that
 * they answer byte for byte what the module and the SDK answer.
 */

export const TOOL_COUNT = 1000;

type Json = Record<string, unknown>;

/** The `tools/call` request every server receives: `add` {a: 2, b: 3} → text "5". */
export const CALL_REQUEST = { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'add', arguments: { a: 2, b: 3 } } };
export const CALL_EXPECTED_TEXT = '5';

/** The `tools/list` request of the 1,000-tool scenario. */
export const LIST_REQUEST = { jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} };

/** Name of the i-th generated tool (module and ceiling use the same names). */
/** The authorization scenario: odd tools need a scope the caller lacks, so it sees half the list. */
export const AUTHZ_TOKEN = 'bench-reader-token';
export const AUTHZ_SCOPES = ['bench:read'];
export const requiredScope = (i: number): string | undefined => (i % 2 === 1 ? 'bench:admin' : undefined);

export const toolName = (i: number): string => `add_${String(i).padStart(4, '0')}`;
export const toolDescription = (name: string): string => `Adds two numbers (${name}).`;

/** The schema the module derives from `AddDto` (two required numbers, nothing else allowed). */
export const ADD_INPUT_SCHEMA = {
  type: 'object',
  properties: { a: { type: 'number' }, b: { type: 'number' } },
  required: ['a', 'b'],
  additionalProperties: false,
};

/** The `tools/list` result of 1,000 tools, built once at startup, as the module's cached list is. */
export function buildToolList(count = TOOL_COUNT): Json {
  const tools = [];
  for (let i = 0; i < count; i++) {
    const name = toolName(i);
    tools.push({ name, description: toolDescription(name), inputSchema: ADD_INPUT_SCHEMA });
  }
  return { tools };
}

const error = (id: unknown, code: number, message: string): Json => ({ jsonrpc: '2.0', id: id ?? null, error: { code, message } });

/**
 * Answers one parsed JSON-RPC message: `tools/call` of `add` (arguments checked to be numbers) and, when a
 * prebuilt list is given, `tools/list`.
 */
export function answer(body: unknown, list?: Json): Json {
  const message = body as { jsonrpc?: unknown; id?: unknown; method?: unknown; params?: Json } | null;
  if (!message || message.jsonrpc !== '2.0' || typeof message.method !== 'string') return error(null, -32600, 'Invalid Request');
  if (message.method === 'tools/list' && list) return { jsonrpc: '2.0', id: message.id, result: list };
  if (message.method !== 'tools/call') return error(message.id, -32601, 'Method not found');
  const params = message.params ?? {};
  if (params.name !== 'add') return error(message.id, -32602, `Unknown tool: ${String(params.name)}`);
  const args = (params.arguments ?? {}) as { a?: unknown; b?: unknown };
  if (typeof args.a !== 'number' || typeof args.b !== 'number') {
    return { jsonrpc: '2.0', id: message.id, result: { content: [{ type: 'text', text: 'Invalid arguments' }], isError: true } };
  }
  return { jsonrpc: '2.0', id: message.id, result: { content: [{ type: 'text', text: String(args.a + args.b) }] } };
}
