import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { newRunner, nestAppTree, packageRoot, snapshot, typeCheck } from './nest-app.fixture.js';

const ownVersion = (JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { version: string }).version;

describe('nest add nestjs-mcp-auth (nest-add schematic)', () => {
  it('wires McpAuthModule.forRoot into an ESM app without @nestjs/config, with the sample tool and dependencies', async () => {
    const runner = newRunner();
    const tree = await runner.runSchematic('nest-add', { sourceRoot: 'src' }, nestAppTree({ esm: true }));
    const module = tree.readContent('/src/app.module.ts');
    assert.match(module, /^import \{ McpAuthModule \} from 'nestjs-mcp-auth';$/m);
    assert.match(module, /^import \{ mcpOptions \} from '\.\/mcp\/mcp\.options\.js';$/m);
    assert.match(module, /^import \{ WhoamiTool \} from '\.\/mcp\/whoami\.tool\.js';$/m);
    assert.match(module, /imports: \[McpAuthModule\.forRoot\(mcpOptions\(\)\)\],/);
    assert.match(module, /providers: \[AppService, WhoamiTool\],/);
    assert.doesNotMatch(module, /ConfigService/);

    const options = tree.readContent('/src/mcp/mcp.options.ts');
    assert.match(options, /export function mcpOptions\(\): McpAuthModuleOptions/);
    assert.match(options, /process\.env\[name\]/);
    assert.match(options, /McpJwt\(\{ issuer, jwksUri/);
    assert.match(options, /setting\('MCP_JWT_ISSUER'\)/);
    assert.match(options, /setting\('MCP_JWT_JWKS_URI'\)/);
    assert.match(options, /setting\('MCP_RESOURCE'\)/);
    assert.match(options, /McpStaticTokens\(/);
    assert.match(options, /export const MCP_PATH = '\/mcp';/);
    assert.match(options, /export const MCP_DEV_SCOPES: string\[\] = \[\];/);
    assert.match(options, /name: 'my-app',\n\s+version: '0\.0\.1',/);
    assert.match(tree.readContent('/src/mcp/whoami.tool.ts'), /auth: RequireAuth\(\),/);

    const pkg = JSON.parse(tree.readContent('/package.json'));
    assert.equal(pkg.dependencies['nestjs-mcp-auth'], `^${ownVersion}`);
    assert.ok(pkg.dependencies['class-validator']);
    assert.ok(pkg.dependencies['class-transformer']);
    assert.ok(pkg.devDependencies['@modelcontextprotocol/sdk']);
    assert.deepEqual(runner.tasks.map((task) => task.name), ['node-package']);
  });

  it('uses forRootAsync with ConfigService when the app depends on @nestjs/config, and CommonJS import paths', async () => {
    const tree = await newRunner().runSchematic('nest-add', {}, nestAppTree({ esm: false, config: true }));
    const module = tree.readContent('/src/app.module.ts');
    assert.match(module, /^import \{ ConfigModule, ConfigService \} from '@nestjs\/config';$/m);
    assert.match(module, /^import \{ mcpOptions \} from '\.\/mcp\/mcp\.options';$/m);
    assert.match(module, /^import \{ WhoamiTool \} from '\.\/mcp\/whoami\.tool';$/m);
    assert.match(
      module,
      /imports: \[\n    McpAuthModule\.forRootAsync\(\{\n      imports: \[ConfigModule\],\n      inject: \[ConfigService\],\n      useFactory: mcpOptions,\n    \}\),\n  \],/,
    );
    const options = tree.readContent('/src/mcp/mcp.options.ts');
    assert.match(options, /^import type \{ ConfigService \} from '@nestjs\/config';$/m);
    assert.match(options, /export function mcpOptions\(config: ConfigService\): McpAuthModuleOptions/);
    assert.match(options, /config\.get<string>\(name\)/);
  });

  it('is idempotent: a second run changes no file and installs nothing', async () => {
    for (const shape of [{ esm: true }, { esm: false, config: true }]) {
      const first = await newRunner().runSchematic('nest-add', {}, nestAppTree(shape));
      const before = snapshot(first);
      const runner = newRunner();
      const second = await runner.runSchematic('nest-add', {}, first);
      assert.deepEqual(snapshot(second), before);
      assert.deepEqual(runner.tasks, []);
      assert.equal((second.readContent('/src/app.module.ts').match(/McpAuthModule\./g) ?? []).length, 1);
    }
  });

  it('a second run with another --auth keeps the options written the first time, and their dependencies', async () => {
    const first = await newRunner().runSchematic('nest-add', { auth: 'jwt' }, nestAppTree());
    const before = snapshot(first);
    const runner = newRunner();
    const messages: string[] = [];
    runner.logger.subscribe((entry) => messages.push(entry.message));
    assert.deepEqual(snapshot(await runner.runSchematic('nest-add', { auth: 'passport' }, first)), before);
    assert.ok(messages.some((message) => message.includes('Keeping src/mcp/mcp.options.ts as it is (--auth jwt)')));
  });

  it('puts back a removed module import the way the kept options file exports its options', async () => {
    const first = await newRunner().runSchematic('nest-add', {}, nestAppTree({ esm: true, config: false }));
    first.overwrite('/src/app.module.ts', nestAppTree().readText('/src/app.module.ts'));
    const pkg = JSON.parse(first.readText('/package.json'));
    pkg.dependencies['@nestjs/config'] = '^12.0.0';
    first.overwrite('/package.json', JSON.stringify(pkg, null, 2));
    const second = await newRunner().runSchematic('nest-add', {}, first);
    assert.match(second.readContent('/src/app.module.ts'), /imports: \[McpAuthModule\.forRoot\(mcpOptions\(\)\)\],/);
  });

  it('--skip-sample adds no tool, --skip-install schedules no install, --path sets the route', async () => {
    const runner = newRunner();
    const tree = await runner.runSchematic('nest-add', { skipSample: true, skipInstall: true, path: '/ai/mcp' }, nestAppTree());
    assert.equal(tree.exists('/src/mcp/whoami.tool.ts'), false);
    assert.doesNotMatch(tree.readContent('/src/app.module.ts'), /WhoamiTool/);
    assert.match(tree.readContent('/src/mcp/mcp.options.ts'), /export const MCP_PATH = '\/ai\/mcp';/);
    assert.deepEqual(runner.tasks, []);
    assert.ok(JSON.parse(tree.readContent('/package.json')).dependencies['class-validator'], 'package.json is still completed');
  });

  it('--auth chooses the authenticator', async () => {
    const staticTree = await newRunner().runSchematic('nest-add', { auth: 'static' }, nestAppTree());
    const staticOptions = staticTree.readContent('/src/mcp/mcp.options.ts');
    assert.match(staticOptions, /return \[McpStaticTokens\(/);
    assert.doesNotMatch(staticOptions, /\[McpJwt\(/);

    const passportTree = await newRunner().runSchematic('nest-add', { auth: 'passport' }, nestAppTree());
    assert.match(passportTree.readContent('/src/mcp/mcp.options.ts'), /return \[McpPassport\('jwt'\)\];/);
    const pkg = JSON.parse(passportTree.readContent('/package.json'));
    assert.ok(pkg.dependencies['@nestjs/passport'] && pkg.dependencies.passport);

    const noneTree = await newRunner().runSchematic('nest-add', { auth: 'none' }, nestAppTree());
    assert.match(noneTree.readContent('/src/mcp/mcp.options.ts'), /allowAnonymous: true,/);
    assert.doesNotMatch(noneTree.readContent('/src/mcp/whoami.tool.ts'), /^\s+auth: RequireAuth\(\),$/m);
  });

  it('prints what to set and how to connect a client', async () => {
    const runner = newRunner();
    const messages: string[] = [];
    runner.logger.subscribe((entry) => messages.push(entry.message));
    await runner.runSchematic('nest-add', {}, nestAppTree());
    const text = messages.join('\n');
    for (const expected of ['MCP_JWT_ISSUER', 'MCP_JWT_JWKS_URI', 'MCP_RESOURCE', 'http://localhost:3000/mcp', 'Authorization: Bearer mcp-dev-token', 'nest g -c nestjs-mcp-auth tool notes/create-note']) {
      assert.ok(text.includes(expected), `the summary mentions ${expected}`);
    }
    // The Inspector release docs/inspector.md names (and test/e2e/inspector.spec.ts runs): a bare npx on Node 20 gets
    // one whose CLI has no --header.
    const documented = /npx -y (@modelcontextprotocol\/inspector@\S+) --cli/.exec(readFileSync(join(packageRoot, 'docs/inspector.md'), 'utf8'))![1];
    assert.ok(
      text.includes(`npx -y ${documented} --cli http://localhost:3000/mcp --transport http --method tools/list --header "Authorization: Bearer mcp-dev-token"`),
      text,
    );
  });

  it('refuses what it cannot do, saying why', async () => {
    await assert.rejects(newRunner().runSchematic('nest-add', { path: 'mcp' }, nestAppTree()), {
      message: 'Invalid --path "mcp": use a route starting with "/", such as /mcp.',
    });
    await assert.rejects(newRunner().runSchematic('nest-add', { auth: 'saml' }, nestAppTree()), /auth.*must be equal to one of the allowed values/s);
    const noModule = nestAppTree();
    noModule.delete('/src/app.module.ts');
    await assert.rejects(newRunner().runSchematic('nest-add', {}, noModule), {
      message: 'src/app.module.ts was not found: pass the root module with --module=<path>.',
    });
    await assert.rejects(newRunner().runSchematic('nest-add', { language: 'js' }, nestAppTree()), /generate TypeScript only/);
  });

  it('the files it writes compile in ESM and CommonJS apps, with and without @nestjs/config', async () => {
    for (const shape of [{ esm: true }, { esm: false, config: true }]) {
      let tree = await newRunner().runSchematic('nest-add', {}, nestAppTree(shape));
      tree = await newRunner().runSchematic('tool', { name: 'notes/create-note' }, tree);
      assert.equal(typeCheck(tree), '', `${shape.esm ? 'ESM' : 'CommonJS'} app`);
    }
  });
});
