import { posix } from 'node:path';
import { SchematicsException, type Tree } from '@angular-devkit/schematics';

/** Options every schematic of the collection understands (the Nest CLI passes them). */
export interface ProjectOptions {
  sourceRoot?: string;
  project?: string;
  language?: string;
}

export interface PackageJson {
  name?: string;
  version?: string;
  type?: string;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  [key: string]: unknown;
}

/** Reads a JSON file of the project; `undefined` when it is absent, a clear error when it is not JSON. */
export function readJson<T>(tree: Tree, path: string): T | undefined {
  const buffer = tree.read(path);
  if (!buffer) return undefined;
  try {
    return JSON.parse(buffer.toString('utf8')) as T;
  } catch (error) {
    throw new SchematicsException(`${path} is not valid JSON (${(error as Error).message}).`);
  }
}

export const readPackageJson = (tree: Tree): PackageJson => readJson<PackageJson>(tree, '/package.json') ?? {};

/** Whether the app's own files are ES modules: then relative imports need the `.js` suffix. */
export const isEsmProject = (tree: Tree): boolean => readPackageJson(tree).type === 'module';

/** The suffix of relative imports in generated files: `.js` in an ESM app, none in a CommonJS one. */
export const importSuffix = (tree: Tree): string => (isEsmProject(tree) ? '.js' : '');

/** Whether the app depends on a package (dependencies or devDependencies). */
export function hasDependency(tree: Tree, name: string): boolean {
  const pkg = readPackageJson(tree);
  return !!(pkg.dependencies?.[name] ?? pkg.devDependencies?.[name]);
}

interface NestCliJson {
  sourceRoot?: string;
  projects?: Record<string, { sourceRoot?: string }>;
}

/**
 * Where the app's sources are: `--source-root` (the Nest CLI always passes it), else nest-cli.json (the project's
 * own entry when `--project` names one), else `src`. Returned without leading or trailing slashes.
 */
export function resolveSourceRoot(tree: Tree, options: ProjectOptions): string {
  let root = options.sourceRoot;
  if (!root) {
    const config = readJson<NestCliJson>(tree, '/nest-cli.json');
    root = (options.project && config?.projects?.[options.project]?.sourceRoot) || config?.sourceRoot || 'src';
  }
  return posix.normalize(root.replace(/\\/g, '/')).replace(/^(\.\/)+|^\/+|\/+$/g, '') || '.';
}

/** The generated code is TypeScript: decorators and the parameter types they read need it. */
export function checkLanguage(options: ProjectOptions): void {
  const language = options.language?.toLowerCase();
  if (language && language !== 'ts' && language !== 'typescript' && language !== 'undefined') {
    throw new SchematicsException(
      `The nestjs-mcp-auth schematics generate TypeScript only (language "${options.language}" was asked for): ` +
        'argument schemas come from the parameter types TypeScript records with emitDecoratorMetadata.',
    );
  }
}

/** A relative import specifier from one project file to another (both absolute tree paths, the target without extension). */
export function relativeImport(fromFile: string, toFileWithoutExtension: string, suffix: string): string {
  let specifier = posix.relative(posix.dirname(fromFile), toFileWithoutExtension);
  if (!specifier.startsWith('.')) specifier = `./${specifier}`;
  return specifier + suffix;
}

/** Tree paths are absolute: `/src/app.module.ts`. */
export const treePath = (...parts: string[]): string => posix.join('/', ...parts);
