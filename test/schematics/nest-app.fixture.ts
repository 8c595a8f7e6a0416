import { mkdirSync, mkdtempSync, readFileSync, rmdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { HostTree, type Tree } from '@angular-devkit/schematics';
import { SchematicTestRunner, type UnitTestTree } from '@angular-devkit/schematics/testing/index.js';
import ts from 'typescript';

/** The repository root: where the package's own package.json is (found through the package's self-reference). */
export const packageRoot = dirname(createRequire(import.meta.url).resolve('nestjs-mcp-auth/package.json'));

/** The collection as the package declares it (package.json "schematics"), as the Nest CLI finds it. */
export const collectionPath = resolve(
  packageRoot,
  (JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { schematics: string }).schematics,
);

export function newRunner(): SchematicTestRunner {
  return new SchematicTestRunner('nestjs-mcp-auth', collectionPath);
}

export interface NestAppShape {
  /** `nest new` picks ESM by default; CommonJS when asked. */
  esm?: boolean;
  /** Adds @nestjs/config to the dependencies. */
  config?: boolean;
}

/** The files `nest new` (Nest CLI 12) writes, in memory. */
export function nestAppTree({ esm = true, config = false }: NestAppShape = {}): Tree {
  const tree = new HostTree();
  const js = esm ? '.js' : '';
  const pkg = {
    name: 'my-app',
    version: '0.0.1',
    private: true,
    license: 'UNLICENSED',
    ...(esm && { type: 'module' }),
    scripts: { build: 'nest build', start: 'nest start', 'start:prod': 'node dist/main', test: esm ? 'vitest run' : 'jest' },
    dependencies: {
      '@nestjs/common': '^12.0.1',
      ...(config && { '@nestjs/config': '^12.0.0' }),
      '@nestjs/core': '^12.0.1',
      '@nestjs/platform-express': '^12.0.1',
      'reflect-metadata': '^0.2.2',
      rxjs: '^7.8.1',
    },
    devDependencies: { '@nestjs/cli': '^12.0.0', '@nestjs/schematics': '^12.0.0', '@nestjs/testing': '^12.0.1', typescript: '^6.0.2' },
  };
  tree.create('/package.json', `${JSON.stringify(pkg, null, 2)}\n`);
  tree.create(
    '/nest-cli.json',
    `${JSON.stringify({ $schema: 'https://json.schemastore.org/nest-cli', collection: '@nestjs/schematics', sourceRoot: 'src', compilerOptions: { deleteOutDir: true } }, null, 2)}\n`,
  );
  tree.create(
    '/tsconfig.json',
    `${JSON.stringify(
      {
        compilerOptions: {
          module: 'nodenext',
          moduleResolution: 'nodenext',
          resolvePackageJsonExports: true,
          esModuleInterop: true,
          isolatedModules: true,
          declaration: true,
          removeComments: true,
          emitDecoratorMetadata: true,
          experimentalDecorators: true,
          allowSyntheticDefaultImports: true,
          target: 'ES2023',
          sourceMap: true,
          outDir: './dist',
          rootDir: '.',
          incremental: true,
          skipLibCheck: true,
          strict: true,
          strictPropertyInitialization: false,
        },
      },
      null,
      2,
    )}\n`,
  );
  tree.create('/tsconfig.build.json', '{\n  "extends": "./tsconfig.json",\n  "compilerOptions": { "rootDir": "./src" },\n  "include": ["src"]\n}\n');
  tree.create(
    '/src/main.ts',
    `import { NestFactory } from '@nestjs/core';\nimport { AppModule } from './app.module${js}';\n\nasync function bootstrap() {\n` +
      `  const app = await NestFactory.create(AppModule);\n  await app.listen(process.env.PORT ?? 3000);\n}\n${esm ? 'await' : 'void'} bootstrap();\n`,
  );
  tree.create(
    '/src/app.module.ts',
    `import { Module } from '@nestjs/common';\nimport { AppController } from './app.controller${js}';\nimport { AppService } from './app.service${js}';\n\n` +
      `@Module({\n  imports: [],\n  controllers: [AppController],\n  providers: [AppService],\n})\nexport class AppModule {}\n`,
  );
  tree.create(
    '/src/app.controller.ts',
    `import { Controller, Get } from '@nestjs/common';\nimport { AppService } from './app.service${js}';\n\n@Controller()\nexport class AppController {\n` +
      `  constructor(private readonly appService: AppService) {}\n\n  @Get()\n  getHello(): string {\n    return this.appService.getHello();\n  }\n}\n`,
  );
  tree.create(
    '/src/app.service.ts',
    `import { Injectable } from '@nestjs/common';\n\n@Injectable()\nexport class AppService {\n  getHello(): string {\n    return 'Hello World!';\n  }\n}\n`,
  );
  return tree;
}

/** Every file of a tree with its content, to compare two trees. */
export function snapshot(tree: Tree): Map<string, string> {
  const files = new Map<string, string>();
  tree.visit((path) => void files.set(path, tree.readText(path)));
  return files;
}

/**
 * Type-checks the TypeScript files of a generated app as its own tsconfig would (CommonJS or ESM after its
 * package.json), against this package's built types and the repository's node_modules. Specs get minimal test-runner
 * globals. Returns the diagnostics as text, empty when it compiles.
 */
export function typeCheck(tree: UnitTestTree): string {
  const scratch = join(packageRoot, '.build-schematics-tmp');
  mkdirSync(scratch, { recursive: true });
  const dir = mkdtempSync(join(scratch, 'app-'));
  try {
    for (const file of tree.files) {
      mkdirSync(dirname(join(dir, file)), { recursive: true });
      writeFileSync(join(dir, file), tree.readContent(file));
    }
    // The app reaches the package as an installed dependency would: through node_modules/nestjs-mcp-auth.
    mkdirSync(join(dir, 'node_modules'));
    symlinkSync(packageRoot, join(dir, 'node_modules', 'nestjs-mcp-auth'), 'dir');
    writeFileSync(
      join(dir, 'src', 'test-globals.d.ts'),
      'declare function describe(name: string, body: () => void): void;\n' +
        'declare function it(name: string, body: () => Promise<void> | void): void;\n' +
        'declare function beforeAll(body: () => Promise<void> | void): void;\n' +
        'declare function afterAll(body: () => Promise<void> | void): void;\n' +
        'declare function expect(actual: unknown): any;\n',
    );
    const config = ts.getParsedCommandLineOfConfigFile(join(dir, 'tsconfig.json'), { noEmit: true, incremental: false, types: ['node'] }, {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: () => undefined,
    });
    if (!config) return 'tsconfig.json could not be read';
    const program = ts.createProgram({ rootNames: config.fileNames, options: config.options });
    const diagnostics = ts.getPreEmitDiagnostics(program);
    return ts.formatDiagnostics(diagnostics, {
      getCanonicalFileName: (name) => name,
      getCurrentDirectory: () => dir,
      getNewLine: () => '\n',
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
    try {
      rmdirSync(scratch);
    } catch {
      // another check is using it
    }
  }
}
