import { UriTemplate } from '@modelcontextprotocol/sdk/shared/uriTemplate.js';

/** A compiled RFC 6570 template that matches concrete URIs back to their variables. */
export interface UriMatcher {
  readonly variableNames: readonly string[];
  match(uri: string): Record<string, string | string[]> | null;
}

/** Compiles a URI template once, at bootstrap. Throws with the parser's reason when it is invalid. */
export function compileUriTemplate(template: string): UriMatcher {
  const compiled = new UriTemplate(template);
  const variableNames = compiled.variableNames;
  if (variableNames.length === 0) throw new Error('it has no {variable}');
  return { variableNames, match: (uri) => compiled.match(uri) };
}
