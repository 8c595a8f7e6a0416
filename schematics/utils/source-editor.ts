import type * as TS from 'typescript';
import { tsString } from './names.js';
import { typescript } from './typescript.js';

interface Change {
  start: number;
  end: number;
  text: string;
}

/** Parses once and applies text changes from the end backwards, so earlier positions stay valid. */
class SourceEditor {
  readonly ts = typescript();
  readonly file: TS.SourceFile;
  private readonly changes: Change[] = [];

  constructor(
    readonly fileName: string,
    readonly text: string,
  ) {
    this.file = this.ts.createSourceFile(fileName, text, this.ts.ScriptTarget.Latest, true, this.ts.ScriptKind.TS);
  }

  replace(start: number, end: number, text: string): void {
    this.changes.push({ start, end, text });
  }

  result(): string {
    let out = this.text;
    for (const change of [...this.changes].sort((a, b) => b.start - a.start)) {
      out = out.slice(0, change.start) + change.text + out.slice(change.end);
    }
    return out;
  }

  /** The indentation of the line a position is on. */
  indentAt(position: number): string {
    const lineStart = this.text.lastIndexOf('\n', position - 1) + 1;
    return /^[ \t]*/.exec(this.text.slice(lineStart))![0];
  }

  /**
   * Adds items to a comma-separated list between `open` and `close` (an array literal's brackets, an object literal's
   * braces or named imports' braces), keeping the list's layout: one line stays one line while the items fit, a
   * multi-line list gets each item on its own line at the elements' indentation. Items may span lines (relative
   * indentation of two spaces per level).
   */
  addToList(owner: TS.Node, elements: TS.NodeArray<TS.Node>, items: string[], padInside: boolean): void {
    const start = owner.getStart(this.file);
    const end = owner.getEnd();
    const open = this.text[start];
    const close = this.text[end - 1];
    const ownerIndent = this.indentAt(start);
    const multilineItems = items.some((item) => item.includes('\n'));
    const inner = this.text.slice(start + 1, end - 1);
    const pad = padInside ? ' ' : '';
    if (!elements.length) {
      if (!multilineItems && !inner.includes('\n') && items.join(', ').length < 60) {
        this.replace(start, end, `${open}${pad}${items.join(', ')}${pad}${close}`);
      } else {
        const indent = `${ownerIndent}  `;
        this.replace(start, end, `${open}\n${items.map((item) => indentItem(item, indent) + ',').join('\n')}\n${ownerIndent}${close}`);
      }
      return;
    }
    const last = elements[elements.length - 1];
    if (!inner.includes('\n')) {
      const all = [...elements.map((element) => element.getText(this.file)), ...items];
      const column = start - (this.text.lastIndexOf('\n', start - 1) + 1);
      if (!multilineItems && column + all.join(', ').length < 100) {
        this.replace(last.getEnd(), last.getEnd(), items.map((item) => `, ${item}`).join(''));
      } else {
        const indent = `${ownerIndent}  `;
        this.replace(start, end, `${open}\n${all.map((item) => indentItem(item, indent) + ',').join('\n')}\n${ownerIndent}${close}`);
      }
      return;
    }
    const indent = this.indentAt(elements[0].getStart(this.file));
    const lines = items.map((item) => indentItem(item, indent));
    if (elements.hasTrailingComma) {
      const comma = this.text.indexOf(',', last.getEnd());
      this.replace(comma + 1, comma + 1, lines.map((line) => `\n${line},`).join(''));
    } else {
      this.replace(last.getEnd(), last.getEnd(), lines.map((line) => `,\n${line}`).join(''));
    }
  }
}

function indentItem(item: string, indent: string): string {
  return item
    .split('\n')
    .map((line) => (line ? indent + line : line))
    .join('\n');
}

/** Names bound by the file's import declarations (value and type imports alike). */
function importedNames(editor: SourceEditor): Set<string> {
  const ts = editor.ts;
  const names = new Set<string>();
  for (const statement of editor.file.statements) {
    if (!ts.isImportDeclaration(statement) || !statement.importClause) continue;
    const clause = statement.importClause;
    if (clause.name) names.add(clause.name.text);
    const bindings = clause.namedBindings;
    if (bindings && ts.isNamedImports(bindings)) bindings.elements.forEach((element) => names.add(element.name.text));
    if (bindings && ts.isNamespaceImport(bindings)) names.add(bindings.name.text);
  }
  return names;
}

/**
 * Adds `import { ...names } from 'specifier'`: into an existing value import of that specifier when there is one,
 * else as a new line after the last import. Names the file already imports are left alone.
 */
export function addNamedImports(fileName: string, text: string, names: string[], specifier: string): string {
  const editor = new SourceEditor(fileName, text);
  const ts = editor.ts;
  const known = importedNames(editor);
  const missing = names.filter((name) => !known.has(name));
  if (!missing.length) return text;
  const imports = editor.file.statements.filter(ts.isImportDeclaration);
  const existing = imports.find(
    (statement) =>
      ts.isStringLiteral(statement.moduleSpecifier) &&
      statement.moduleSpecifier.text === specifier &&
      !statement.importClause?.isTypeOnly &&
      statement.importClause?.namedBindings &&
      ts.isNamedImports(statement.importClause.namedBindings),
  );
  if (existing) {
    const named = existing.importClause!.namedBindings as TS.NamedImports;
    editor.addToList(named, named.elements, missing, true);
    return editor.result();
  }
  const line = `import { ${missing.join(', ')} } from '${specifier}';`;
  const lastImport = imports[imports.length - 1];
  if (lastImport) editor.replace(lastImport.getEnd(), lastImport.getEnd(), `\n${line}`);
  else editor.replace(0, 0, `${line}\n`);
  return editor.result();
}

export interface ModuleArrayResult {
  text: string;
  /** Set when the module could not be edited safely: say what to add by hand. */
  problem?: string;
}

/**
 * Adds an element to an array of the first `@Module({...})` of a file (`providers`, `imports`…), creating the
 * property when the decorator has none. Nothing changes when `isPresent` finds an element already there.
 */
export function addToModuleArray(
  fileName: string,
  text: string,
  property: 'providers' | 'imports' | 'exports' | 'controllers',
  element: string,
  isPresent: (elementText: string) => boolean,
): ModuleArrayResult {
  const editor = new SourceEditor(fileName, text);
  const ts = editor.ts;
  const metadata = findModuleMetadata(editor);
  if (!metadata) return { text, problem: `${fileName} has no @Module({ ... }) decorator` };
  const assignment = metadata.properties.find(
    (prop): prop is TS.PropertyAssignment =>
      ts.isPropertyAssignment(prop) && (ts.isIdentifier(prop.name) || ts.isStringLiteral(prop.name)) && prop.name.text === property,
  );
  if (!assignment) {
    if (metadata.properties.some((prop) => !ts.isPropertyAssignment(prop) && !ts.isShorthandPropertyAssignment(prop))) {
      return { text, problem: `the @Module() metadata of ${fileName} is not a plain object literal` };
    }
    editor.addToList(metadata, metadata.properties, [`${property}: [${element}]`], true);
    return { text: editor.result() };
  }
  const array = assignment.initializer;
  if (!ts.isArrayLiteralExpression(array)) {
    return { text, problem: `${property} of @Module() in ${fileName} is not an array literal` };
  }
  if (array.elements.some((item) => isPresent(item.getText(editor.file)))) return { text };
  editor.addToList(array, array.elements, [element], false);
  return { text: editor.result() };
}

function findModuleMetadata(editor: SourceEditor): TS.ObjectLiteralExpression | undefined {
  const ts = editor.ts;
  for (const statement of editor.file.statements) {
    if (!ts.isClassDeclaration(statement)) continue;
    for (const decorator of ts.getDecorators(statement) ?? []) {
      const call = decorator.expression;
      if (!ts.isCallExpression(call)) continue;
      const callee = call.expression;
      const name = ts.isIdentifier(callee) ? callee.text : ts.isPropertyAccessExpression(callee) ? callee.name.text : '';
      if (name !== 'Module') continue;
      const [argument] = call.arguments;
      if (argument && ts.isObjectLiteralExpression(argument)) return argument;
    }
  }
  return undefined;
}

/** Whether the file declares a class decorated with `@Module({...})`. */
export function hasModuleDecorator(fileName: string, text: string): boolean {
  return !!findModuleMetadata(new SourceEditor(fileName, text));
}

/**
 * Adds string elements to the array literal initializing `const <name> = [...]` (the development token's scopes).
 * Returns the text unchanged when the constant is missing or already holds them.
 */
export function addToConstArray(fileName: string, text: string, name: string, values: string[]): string {
  const editor = new SourceEditor(fileName, text);
  const ts = editor.ts;
  let array: TS.ArrayLiteralExpression | undefined;
  const visit = (node: TS.Node): void => {
    if (array) return;
    if (ts.isVariableDeclaration(node) && ts.isIdentifier(node.name) && node.name.text === name && node.initializer) {
      let init: TS.Expression = node.initializer;
      while (ts.isAsExpression(init) || ts.isSatisfiesExpression(init) || ts.isParenthesizedExpression(init)) init = init.expression;
      if (ts.isArrayLiteralExpression(init)) array = init;
      return;
    }
    ts.forEachChild(node, visit);
  };
  visit(editor.file);
  if (!array) return text;
  const present = new Set(array.elements.filter(ts.isStringLiteralLike).map((element) => element.text));
  const missing = [...new Set(values)].filter((value) => !present.has(value));
  if (!missing.length) return text;
  editor.addToList(array, array.elements, missing.map(tsString), false);
  return editor.result();
}
