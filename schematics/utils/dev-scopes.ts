import type { Rule, Tree } from '@angular-devkit/schematics';
import { treePath } from './project.js';
import { addToConstArray } from './source-editor.js';

/** The constant `nest add` writes into the MCP options file: the development token's scopes. */
export const DEV_SCOPES_CONSTANT = 'MCP_DEV_SCOPES';

/** The file `nest add` creates for the options, relative to the source root. */
export const OPTIONS_FILE = 'mcp/mcp.options.ts';

/** The MCP options file of the app: where `nest add` put it, else any source file declaring the constant. */
export function findOptionsFile(tree: Tree, sourceRoot: string): string | undefined {
  const usual = treePath(sourceRoot, OPTIONS_FILE);
  if (tree.exists(usual)) return usual;
  let found: string | undefined;
  tree.getDir(treePath(sourceRoot)).visit((path) => {
    if (!found && path.endsWith('.ts') && !path.includes('/node_modules/') && tree.readText(path).includes(`${DEV_SCOPES_CONSTANT} `)) {
      found = path;
    }
  });
  return found;
}

/**
 * Gives the development token every scope generated components ask for: adds the scopes to `MCP_DEV_SCOPES` when
 * the app has the options file `nest add` wrote (apps configured by hand are left alone).
 */
export function registerDevScopes(sourceRoot: string, scopes: string[]): Rule {
  return (tree: Tree) => {
    if (!scopes.length) return tree;
    const file = findOptionsFile(tree, sourceRoot);
    if (!file) return tree;
    const before = tree.readText(file);
    const after = addToConstArray(file, before, DEV_SCOPES_CONSTANT, scopes);
    if (after !== before) tree.overwrite(file, after);
    return tree;
  };
}
