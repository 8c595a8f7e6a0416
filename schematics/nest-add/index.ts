import { readFileSync } from 'node:fs';
import { posix } from 'node:path';
import {
  apply,
  applyTemplates,
  chain,
  mergeWith,
  move,
  noop,
  SchematicsException,
  url,
  type Rule,
  type SchematicContext,
  type Tree,
} from '@angular-devkit/schematics';
import { NodePackageInstallTask } from '@angular-devkit/schematics/tasks/index.js';
import { findOptionsFile, OPTIONS_FILE } from '../utils/dev-scopes.js';
import { addProvider, resolveModuleOption } from '../utils/module-registration.js';
import { tsString } from '../utils/names.js';
import {
  checkLanguage,
  hasDependency,
  importSuffix,
  readPackageJson,
  relativeImport,
  resolveSourceRoot,
  treePath,
  type PackageJson,
  type ProjectOptions,
} from '../utils/project.js';
import { addNamedImports, addToModuleArray } from '../utils/source-editor.js';

export type McpAuthChoice = 'jwt' | 'passport' | 'static' | 'none';

/** The options of `nest add nestjs-mcp-auth` (see schema.json). */
export interface NestAddOptions extends ProjectOptions {
  auth?: McpAuthChoice;
  path?: string;
  skipSample?: boolean;
  skipInstall?: boolean;
  module?: string;
}

const AUTH_CHOICES: readonly McpAuthChoice[] = ['jwt', 'passport', 'static', 'none'];
const SAMPLE_FILE = 'mcp/whoami.tool.ts';
const DEV_TOKEN = 'mcp-dev-token';
/**
 * The Inspector release to run with npx: on Node 20 a bare `npx @modelcontextprotocol/inspector` resolves 0.15.0 (newer
 * releases declare Node 22), whose CLI has no --header. 2.12.0 runs on Node 20.19 and later (see docs/inspector.md).
 */
const INSPECTOR = '@modelcontextprotocol/inspector@2.12.0';

/** This package's own package.json: the versions to add to the app come from it. */
function ownPackageJson(): PackageJson {
  return JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as PackageJson;
}

/** `^0.14.0 || ^0.15.0` → `^0.15.0`: the newest range a peer dependency accepts. */
const newestRange = (range: string): string => range.split('||').at(-1)!.trim();

/**
 * `nest add nestjs-mcp-auth`: imports McpAuthModule into the root module (forRootAsync with ConfigService when the
 * app has @nestjs/config, else forRoot), writes its options with the chosen authenticator, adds the sample whoami
 * tool and the dependencies, and prints what to set. Running it again changes nothing.
 */
export function nestAdd(options: NestAddOptions): Rule {
  return (tree: Tree, context: SchematicContext) => {
    checkLanguage(options);
    const requested = options.auth ?? 'jwt';
    if (!AUTH_CHOICES.includes(requested)) {
      throw new SchematicsException(`Unknown --auth "${requested}": choose one of ${AUTH_CHOICES.join(', ')}.`);
    }
    const mcpPath = options.path ?? '/mcp';
    if (!/^\/[A-Za-z0-9._~\-/]*$/.test(mcpPath) || mcpPath.includes('//')) {
      throw new SchematicsException(`Invalid --path "${mcpPath}": use a route starting with "/", such as /mcp.`);
    }
    const sourceRoot = resolveSourceRoot(tree, options);
    const rootModule = options.module
      ? resolveModuleOption(tree, sourceRoot, options.module)
      : treePath(sourceRoot, 'app.module.ts');
    if (!tree.exists(rootModule)) {
      throw new SchematicsException(`${rootModule.slice(1)} was not found: pass the root module with --module=<path>.`);
    }
    const useConfig = hasDependency(tree, '@nestjs/config');
    const existingOptions = findOptionsFile(tree, sourceRoot);
    // A second run keeps the options file: its summary and dependencies follow the choice written there.
    const written = existingOptions ? tree.readText(existingOptions) : undefined;
    const auth = written ? writtenChoice(written, requested) : requested;
    // The module imports the options the way the file exports them: from ConfigService or not.
    const fromConfig = written ? /export function mcpOptions\(\s*config/.test(written) : useConfig;
    const optionsFile = existingOptions ?? treePath(sourceRoot, OPTIONS_FILE);
    const sampleFile = treePath(sourceRoot, SAMPLE_FILE);
    const addSample = !options.skipSample && !tree.exists(sampleFile);
    const app = readPackageJson(tree);
    const variables = {
      auth,
      useConfig,
      mcpPath: tsString(mcpPath),
      appName: tsString(app.name ?? 'mcp-server'),
      appVersion: tsString(app.version ?? '0.0.1'),
    };
    const templates = (folder: string, target: string): Rule =>
      mergeWith(apply(url(`./files/${folder}`), [applyTemplates(variables), move(posix.dirname(target))]));

    if (existingOptions) {
      context.logger.info(`Keeping ${existingOptions.slice(1)} as it is (--auth ${auth}); delete it to have it written anew.`);
    }
    return chain([
      existingOptions ? noop() : templates('options', optionsFile),
      addSample ? templates('sample', sampleFile) : noop(),
      importModule(rootModule, optionsFile, fromConfig),
      addSample
        ? (host: Tree, ctx: SchematicContext) => addProvider(host, ctx, rootModule, 'WhoamiTool', sampleFile.replace(/\.ts$/, ''))
        : noop(),
      addDependencies(auth, !!options.skipInstall),
      (host: Tree, ctx: SchematicContext) => {
        const sample = options.skipSample ? undefined : sampleFile;
        ctx.logger.info(summary({ auth, mcpPath, useConfig: fromConfig, rootModule, optionsFile, sample }));
        return host;
      },
    ]);
  };
}

/** The authenticator an existing options file uses, as far as its code tells. */
function writtenChoice(text: string, fallback: McpAuthChoice): McpAuthChoice {
  if (/^\s*return \[McpPassport\(/m.test(text)) return 'passport';
  if (/^\s*return \[McpJwt\(/m.test(text)) return 'jwt';
  if (/^\s*allowAnonymous: true,/m.test(text)) return 'none';
  if (/^\s*return \[McpStaticTokens\(/m.test(text)) return 'static';
  return fallback;
}

/** Adds `McpAuthModule.forRoot…` to the root module's imports, unless McpAuthModule is imported there already. */
function importModule(rootModule: string, optionsFile: string, useConfig: boolean): Rule {
  return (tree: Tree, context: SchematicContext) => {
    const before = tree.readText(rootModule);
    const call = useConfig
      ? 'McpAuthModule.forRootAsync({\n  imports: [ConfigModule],\n  inject: [ConfigService],\n  useFactory: mcpOptions,\n})'
      : 'McpAuthModule.forRoot(mcpOptions())';
    const added = addToModuleArray(rootModule, before, 'imports', call, (element) => /^McpAuthModule\b/.test(element));
    if (added.problem) {
      const inline = call.replace(/\n\s*/g, ' ');
      context.logger.warn(`Could not import McpAuthModule: ${added.problem}. Add ${inline} to your root module's imports.`);
      return tree;
    }
    if (added.text === before) return tree;
    let text = addNamedImports(rootModule, added.text, ['McpAuthModule'], 'nestjs-mcp-auth');
    if (useConfig) text = addNamedImports(rootModule, text, ['ConfigModule', 'ConfigService'], '@nestjs/config');
    const optionsImport = relativeImport(rootModule, optionsFile.replace(/\.ts$/, ''), importSuffix(tree));
    text = addNamedImports(rootModule, text, ['mcpOptions'], optionsImport);
    tree.overwrite(rootModule, text);
    return tree;
  };
}

/**
 * Adds what the generated code imports and the app lacks: the library, its class-validator/class-transformer peers,
 * the MCP SDK for the generated specs (a dev dependency), and Passport for `--auth passport`.
 */
function addDependencies(auth: McpAuthChoice, skipInstall: boolean): Rule {
  return (tree: Tree, context: SchematicContext) => {
    if (!tree.exists('/package.json')) {
      context.logger.warn('No package.json was found: install nestjs-mcp-auth, class-validator and class-transformer yourself.');
      return tree;
    }
    const own = ownPackageJson();
    const peer = (name: string): string => newestRange(own.peerDependencies ? (own.peerDependencies as Record<string, string>)[name] : '*');
    const wanted: Array<[string, string, 'dependencies' | 'devDependencies']> = [
      ['nestjs-mcp-auth', `^${own.version}`, 'dependencies'],
      ['class-validator', peer('class-validator'), 'dependencies'],
      ['class-transformer', peer('class-transformer'), 'dependencies'],
      ['@modelcontextprotocol/sdk', own.dependencies?.['@modelcontextprotocol/sdk'] ?? '*', 'devDependencies'],
    ];
    if (auth === 'passport') {
      wanted.push(['@nestjs/passport', peer('@nestjs/passport'), 'dependencies']);
      wanted.push(['passport', own.devDependencies?.passport ?? '*', 'dependencies']);
    }
    const pkg = readPackageJson(tree);
    const added: string[] = [];
    for (const [name, range, section] of wanted) {
      if (pkg.dependencies?.[name] || pkg.devDependencies?.[name]) continue;
      pkg[section] = sortKeys({ ...(pkg[section] as Record<string, string> | undefined), [name]: range });
      added.push(`${name}@${range}`);
    }
    if (!added.length) return tree;
    tree.overwrite('/package.json', `${JSON.stringify(pkg, null, 2)}\n`);
    if (skipInstall) {
      context.logger.info(`Added to package.json: ${added.join(', ')}. Run your package manager's install.`);
    } else {
      // The Nest CLI keeps `-s` for itself (it skips installing nestjs-mcp-auth only); `--skip-install` reaches us too.
      context.logger.info(`Added to package.json and installing: ${added.join(', ')} (to skip the installation, pass --skip-install in full; -s is not passed on by the Nest CLI).`);
      context.addTask(new NodePackageInstallTask());
    }
    return tree;
  };
}

const sortKeys = (record: Record<string, string>): Record<string, string> =>
  Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));

interface SummaryInput {
  auth: McpAuthChoice;
  mcpPath: string;
  useConfig: boolean;
  rootModule: string;
  optionsFile: string;
  sample?: string;
}

/** What the user reads after `nest add`: where things went, what to set, how to connect. */
export function summary(input: SummaryInput): string {
  const endpoint = `http://localhost:3000${input.mcpPath}`;
  const where = input.useConfig ? 'environment variables or .env (read through ConfigService)' : 'environment variables';
  const lines = [
    '',
    `nestjs-mcp-auth: McpAuthModule is imported in ${input.rootModule.slice(1)}, its options are in ${input.optionsFile.slice(1)}` +
      (input.sample ? `, and ${input.sample.slice(1)} is a sample tool (whoami).` : '.'),
    `MCP endpoint once the app runs (npm run start:dev): ${endpoint} (PORT changes the port; a global prefix goes before the path).`,
    '',
  ];
  const token = input.auth === 'jwt' || input.auth === 'static';
  if (input.auth === 'jwt') {
    lines.push(
      `Set these ${where} for your identity provider:`,
      '  MCP_JWT_ISSUER    its issuer URL, e.g. https://your-tenant.eu.auth0.com/ (while unset, outside production, the development token is accepted instead)',
      '  MCP_JWT_JWKS_URI  its JWKS URL (default <MCP_JWT_ISSUER>/.well-known/jwks.json)',
      `  MCP_RESOURCE      the public URL of the endpoint, the audience tokens must carry (default http://localhost:<PORT>${input.mcpPath}; required in production)`,
      '  MCP_JWT_AUDIENCE  only when your provider cannot put MCP_RESOURCE in the aud claim',
    );
  } else if (input.auth === 'passport') {
    lines.push(
      "Register a Passport strategy named 'jwt' as a provider (PassportStrategy(Strategy, 'jwt') from @nestjs/passport, e.g. with passport-jwt).",
      `Set MCP_RESOURCE (${where}) to the public URL of the endpoint (default http://localhost:<PORT>${input.mcpPath}).`,
    );
  } else if (input.auth === 'static') {
    lines.push('Callers authenticate with the static development token; it refuses to start with NODE_ENV=production.');
  } else {
    lines.push('WARNING: the endpoint authenticates nobody (--auth none): every caller is anonymous and components asking for scopes stay hidden.');
  }
  if (token) {
    lines.push(
      `  MCP_DEV_TOKEN     the development token (default ${DEV_TOKEN}); it holds every scope the generated components ask for`,
      '',
      'Connect a client with the development token:',
      `  npx -y ${INSPECTOR} --cli ${endpoint} --transport http --method tools/list --header "Authorization: Bearer ${DEV_TOKEN}"`,
    );
  } else {
    lines.push('', 'Connect a client:', `  npx -y ${INSPECTOR} --cli ${endpoint} --transport http --method tools/list`);
  }
  lines.push(
    '',
    'Generate components (the scope defaults to <folder>:write for create/update/delete-like names, <folder>:read otherwise):',
    '  nest g -c nestjs-mcp-auth tool notes/create-note',
    '  nest g -c nestjs-mcp-auth resource notes/index',
    '  nest g -c nestjs-mcp-auth resource-template notes/note',
    '  nest g -c nestjs-mcp-auth prompt notes/summarize-note',
  );
  return lines.join('\n');
}
