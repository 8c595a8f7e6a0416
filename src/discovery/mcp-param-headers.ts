/**
 * `x-mcp-header` (MCP 2026-07-28, Streamable HTTP): a tool parameter a client mirrors into an `Mcp-Param-{name}`
 * header, so intermediaries can route on it. The server holds the header to the body.
 */
export interface McpParamHeader {
  /** The header's field name, lower case (`mcp-param-region`). */
  readonly header: string;
  /** The chain of `properties` keys from the schema root to the parameter. */
  readonly path: readonly string[];
  readonly type: 'string' | 'integer' | 'boolean';
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
type Schema = Record<string, unknown>;
const isSchema = (value: unknown): value is Schema => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The `x-mcp-header` annotations of a tool's input schema, checked as the spec requires of a valid tool definition
 * (clients drop a tool that breaks them): a non-empty token, case-insensitively unique, on a string, integer or
 * boolean parameter reachable from the root through `properties` alone. Throws a message naming the problem.
 */
export function paramHeadersOf(schema: Schema): McpParamHeader[] {
  const found: McpParamHeader[] = [];
  const seen = new Set<string>();
  const walk = (node: Schema, path: string[], reachable: boolean) => {
    for (const [key, value] of Object.entries(node)) {
      if (key === 'x-mcp-header') {
        if (!reachable || path.length === 0) throw new Error(`x-mcp-header at ${path.join('.') || 'the root'} is not reachable from the root through "properties" alone`);
        if (typeof value !== 'string' || !TOKEN.test(value)) throw new Error(`x-mcp-header ${JSON.stringify(value)} at ${path.join('.')} is not an HTTP field-name token`);
        const type = node.type;
        if (type !== 'string' && type !== 'integer' && type !== 'boolean') throw new Error(`x-mcp-header "${value}" is on ${path.join('.')}, which is not of type string, integer or boolean`);
        const header = `mcp-param-${value.toLowerCase()}`;
        if (seen.has(header)) throw new Error(`x-mcp-header "${value}" is declared twice (names are case-insensitive)`);
        seen.add(header);
        found.push({ header, path: [...path], type });
        continue;
      }
      if (key === 'properties' && isSchema(value)) {
        for (const [name, child] of Object.entries(value)) if (isSchema(child)) walk(child, [...path, name], reachable);
      } else if (isSchema(value)) {
        walk(value, [...path, key], false);
      } else if (Array.isArray(value)) {
        for (const item of value) if (isSchema(item)) walk(item, [...path, key], false);
      }
    }
  };
  walk(schema, [], true);
  return found;
}
