import { posix } from 'node:path';
import {
  apply,
  applyTemplates,
  chain,
  filter,
  mergeWith,
  move,
  noop,
  SchematicsException,
  strings,
  url,
  type Rule,
  type SchematicContext,
  type Tree,
} from '@angular-devkit/schematics';
import { parseComponentName, tsString, type ComponentName } from './names.js';
import { checkLanguage, importSuffix, resolveSourceRoot, treePath, type ProjectOptions } from './project.js';
import { registerDevScopes } from './dev-scopes.js';
import { registerProvider } from './module-registration.js';
import { defaultScope, resolveScopes } from './scopes.js';

export type ComponentKind = 'tool' | 'resource' | 'resource-template' | 'prompt';

/** The options of `tool`, `resource`, `resource-template` and `prompt` (see each schema.json). */
export interface ComponentOptions extends ProjectOptions {
  name: string;
  path?: string;
  flat?: boolean;
  spec?: boolean;
  specFileSuffix?: string;
  skipImport?: boolean;
  module?: string;
  scopes?: string;
  description?: string;
  uri?: string;
}

interface KindInfo {
  /** File suffix and class suffix: `create-note.tool.ts`, `CreateNoteTool`. */
  file: string;
  className: string;
  /** What the README and messages call it. */
  label: string;
}

const KINDS: Record<ComponentKind, KindInfo> = {
  tool: { file: 'tool', className: 'Tool', label: 'tool' },
  resource: { file: 'resource', className: 'Resource', label: 'resource' },
  'resource-template': { file: 'resource-template', className: 'ResourceTemplate', label: 'resource template' },
  prompt: { file: 'prompt', className: 'Prompt', label: 'prompt' },
};

const FOLDER = /^[a-z0-9][a-z0-9._-]*$/;

/** The folder the component goes in, under the source root: `--path`, the name's folders, and its own unless flat. */
function targetDirectory(sourceRoot: string, options: ComponentOptions, component: ComponentName): string {
  const base = (options.path ?? '')
    .replace(/\\/g, '/')
    .split('/')
    .filter((segment) => segment && segment !== '.')
    .map((segment) => strings.dasherize(segment));
  for (const segment of base) {
    if (!FOLDER.test(segment) || segment === '..' || segment.startsWith('..')) {
      throw new SchematicsException(`Invalid path "${options.path}": use folder names of letters, digits, dots and dashes, inside the source root.`);
    }
  }
  return treePath(sourceRoot, ...base, ...component.dirs, ...(options.flat ? [] : [component.name]));
}

/** What a URI derived from the name looks like: `notes/index` → `notes://index`. */
function uriScheme(component: ComponentName): string {
  return component.dirs.at(-1) ?? 'app';
}

function validateUri(uri: string, template: boolean): string {
  // RFC 3986 scheme, then anything without spaces; templates may hold {variables}.
  const pattern = template ? /^[a-zA-Z][a-zA-Z0-9+.-]*:[^\s]*\{[A-Za-z0-9_]+\}[^\s]*$/ : /^[a-zA-Z][a-zA-Z0-9+.-]*:[^\s{}]+$/;
  const variables = [...uri.matchAll(/\{([^}]*)\}/g)].map((match) => match[1]);
  if (!pattern.test(uri) || uri.includes('*/') || variables.some((variable) => !/^[A-Za-z_][A-Za-z0-9_]*$/.test(variable))) {
    throw new SchematicsException(
      template
        ? `Invalid URI template "${uri}": use scheme://path with at least one {variable} (letters, digits, _), e.g. notes://{id}.`
        : `Invalid URI "${uri}": use scheme://path without spaces or braces, e.g. notes://index.`,
    );
  }
  return uri;
}

/** The rule shared by the four generators. */
export function componentSchematic(kind: ComponentKind): (options: ComponentOptions) => Rule {
  const info = KINDS[kind];
  return (options) => (tree: Tree, context: SchematicContext) => {
    checkLanguage(options);
    const component = parseComponentName(options.name, kind);
    const sourceRoot = resolveSourceRoot(tree, options);
    const directory = targetDirectory(sourceRoot, options, component);
    const derived = defaultScope(kind, component);
    const scopes = resolveScopes(options.scopes, derived);
    const suffix = importSuffix(tree);
    const specFileSuffix = strings.dasherize(options.specFileSuffix || 'spec');
    if (!/^[a-z0-9-]+$/.test(specFileSuffix)) throw new SchematicsException(`Invalid spec file suffix "${options.specFileSuffix}".`);
    const className = strings.classify(component.name) + info.className;
    const phrase = component.name.split('-').join(' ');
    const description = options.description?.trim() || `${phrase[0].toUpperCase()}${phrase.slice(1)}.`;
    const uri =
      kind === 'resource'
        ? validateUri(options.uri ?? `${uriScheme(component)}://${component.name}`, false)
        : kind === 'resource-template'
          ? validateUri(options.uri ?? `${uriScheme(component)}://${component.name}/{id}`, true)
          : '';
    const templateVariables = [...uri.matchAll(/\{([A-Za-z0-9_]+)\}/g)].map((match) => match[1]);
    const sampleUri = templateVariables.reduce((text, variable) => text.replace(`{${variable}}`, '42'), uri);

    if (options.scopes === undefined || options.scopes === '') {
      // `nest g` refuses options it does not know (--scopes, --description, --uri, --module): name the command that takes them.
      context.logger.info(
        `${component.name} asks for the scope ${derived} (derived from the name). For other scopes, answer the prompt nest g shows in a ` +
          `terminal, or run: npx @angular-devkit/schematics-cli nestjs-mcp-auth:${kind} ${options.name} --scopes <scope,scope>`,
      );
    }

    const files = apply(url('./files'), [
      options.spec === false ? filter((path) => !path.includes('__specFileSuffix__')) : noop(),
      applyTemplates({
        ...strings,
        name: component.name,
        className,
        dtoClassName: `${strings.classify(component.name)}Dto`,
        methodName: strings.camelize(component.name),
        mcpName: tsString(component.name),
        description: tsString(description),
        uri: tsString(uri),
        sampleUri: tsString(sampleUri),
        templateVariables,
        scopes,
        authImport: scopes.length ? 'RequireScopes' : 'RequireAuth',
        authCheck: scopes.length ? `RequireScopes(${scopes.map(tsString).join(', ')})` : 'RequireAuth()',
        scopeList: `[${scopes.map(tsString).join(', ')}]`,
        scopeText: scopes.length ? scopes.join(' ') : 'no scope (any authenticated caller)',
        ext: suffix,
        specFileSuffix,
      }),
      move(directory),
    ]);

    return chain([
      mergeWith(files),
      options.skipImport
        ? noop()
        : registerProvider({
            className,
            file: posix.join(directory, `${component.name}.${info.file}`),
            from: directory,
            sourceRoot,
            module: options.module,
            label: `${info.label} ${component.name}`,
          }),
      registerDevScopes(sourceRoot, scopes),
    ]);
  };
}
