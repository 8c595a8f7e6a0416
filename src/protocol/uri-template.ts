import { UriTemplate } from '@modelcontextprotocol/sdk/shared/uriTemplate.js';

/** A compiled RFC 6570 template that matches concrete URIs back to their variables. */
export interface UriMatcher {
  readonly variableNames: readonly string[];
  match(uri: string): Record<string, string | string[]> | null;
}

/** Compiles a URI template once, at bootstrap. Throws with the parser's reason when it is invalid. */
export function compileUriTemplate(template: string): UriMatcher {
  // The SDK's parser is lenient: hold templates to RFC 6570's shape (balanced braces, varname characters).
  const expressions = template.match(/\{[^{}]*\}/g) ?? [];
  if (template.replace(/\{[^{}]*\}/g, '').match(/[{}]/)) throw new Error('its braces are unbalanced');
  for (const expression of expressions) {
    const names = expression.slice(1, -1).replace(/^[+#./;?&]/, '').split(',');
    for (const name of names) {
      if (!/^([A-Za-z0-9_]|%[0-9A-Fa-f]{2})+(\.([A-Za-z0-9_]|%[0-9A-Fa-f]{2})+)*(\*|:[1-9][0-9]{0,3})?$/.test(name)) {
        throw new Error(`"${name}" is not a valid variable name`);
      }
    }
  }
  const compiled = new UriTemplate(template);
  const variableNames = compiled.variableNames;
  if (variableNames.length === 0) throw new Error('it has no {variable}');
  return { variableNames, match: (uri) => compiled.match(uri) };
}
