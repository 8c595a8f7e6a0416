import { posix } from 'node:path';
import { SchematicsException, type Rule, type SchematicContext, type Tree } from '@angular-devkit/schematics';
import { importSuffix, relativeImport, treePath } from './project.js';
import { addNamedImports, addToModuleArray, hasModuleDecorator } from './source-editor.js';

export interface ProviderRegistration {
  className: string;
  /** The provider's file, absolute tree path without extension. */
  file: string;
  /** Where to start looking for the nearest module. */
  from: string;
  sourceRoot: string;
  /** `--module`: a module file, relative to the project or to the source root. */
  module?: string;
  label: string;
}

/** Resolves `--module`, with or without the source root and the `.module.ts` ending. */
export function resolveModuleOption(tree: Tree, sourceRoot: string, module: string): string {
  const clean = module.replace(/\\/g, '/').replace(/^\.\//, '');
  const candidates = [clean, `${clean}.ts`, `${clean}.module.ts`].flatMap((path) => [treePath(path), treePath(sourceRoot, path)]);
  const found = candidates.find((path) => tree.exists(path));
  if (!found) throw new SchematicsException(`Module "${module}" was not found (looked for ${candidates.map((c) => c.slice(1)).join(', ')}).`);
  return found;
}

/** The closest `*.module.ts` declaring a `@Module`, from a folder up to the project root. */
export function findNearestModule(tree: Tree, from: string): string | undefined {
  let directory = tree.getDir(from);
  for (;;) {
    const candidates = directory.subfiles.filter((file) => file.endsWith('.module.ts')).sort();
    for (const file of candidates) {
      const path = posix.join(directory.path, file);
      if (hasModuleDecorator(path, tree.readText(path))) return path;
    }
    if (!directory.parent) return undefined;
    directory = directory.parent;
  }
}

/** Adds the provider to the `providers` of the nearest module (or `--module`), with its import. */
export function registerProvider(registration: ProviderRegistration): Rule {
  return (tree: Tree, context: SchematicContext) => {
    const module = registration.module
      ? resolveModuleOption(tree, registration.sourceRoot, registration.module)
      : findNearestModule(tree, registration.from);
    if (!module) {
      context.logger.warn(`No module was found above ${registration.from.slice(1)}: add ${registration.className} to a module's providers.`);
      return tree;
    }
    addProvider(tree, context, module, registration.className, registration.file);
    return tree;
  };
}

/** Adds `className` (imported from `file`) to the providers of `module`; nothing when it is there already. */
export function addProvider(tree: Tree, context: SchematicContext, module: string, className: string, file: string): void {
  const before = tree.readText(module);
  const added = addToModuleArray(module, before, 'providers', className, (element) => element === className);
  if (added.problem) {
    context.logger.warn(`Could not register ${className}: ${added.problem}. Add it to a module's providers by hand.`);
    return;
  }
  if (added.text === before) return;
  const text = addNamedImports(module, added.text, [className], relativeImport(module, file, importSuffix(tree)));
  tree.overwrite(module, text);
}
