import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Injectable, Module, type Provider } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { McpComponent } from '../../src/discovery/mcp-component.js';
import { McpRegistry } from '../../src/discovery/mcp.registry.js';
import { McpMessages } from '../../src/mcp-auth.messages.js';
import { McpArgs, McpAuthModule, McpResource, McpResourceTemplate } from '../../src/index.js';
import { compileUriTemplate, type UriMatcher } from '../../src/discovery/uri-template.js';

/** Just enough of a component for the registry: its kind, name, URI or compiled template. */
function component(kind: 'resource' | 'resourceTemplate', name: string, uriOrTemplate: string): McpComponent {
  const info = { kind, name, tags: [], metadata: {}, handler: `Test#${name}` };
  return (kind === 'resource' ? { info, uri: uriOrTemplate } : { info, matcher: compileUriTemplate(uriOrTemplate) }) as unknown as McpComponent;
}

function registryOf(components: McpComponent[]): McpRegistry {
  const registry = new McpRegistry();
  for (const c of components) registry.add(c);
  return registry;
}

const names = (registry: McpRegistry, uri: string) => [...registry.resolveResource(uri)].map((m) => m.component.info.name);

describe('McpRegistry.resolveResource', () => {
  const registry = registryOf([
    component('resourceTemplate', 'anyPath', 'notes://{+path}'),
    component('resourceTemplate', 'byId', 'notes://{id}'),
    component('resourceTemplate', 'fixedById', 'notes://fixed/{id}'),
    component('resource', 'fixedOne', 'notes://fixed/1'),
    component('resourceTemplate', 'byKey', 'notes://{key}'),
    component('resourceTemplate', 'anyPathAgain', 'notes://{+path}'),
    component('resourceTemplate', 'pathAndFragment', 'notes://{+path}{#part}'),
  ]);

  it('yields the exact resource, then matching templates by specificity, ties in declaration order', () => {
    assert.deepEqual(names(registry, 'notes://fixed/1'), ['fixedOne', 'fixedById', 'anyPath', 'anyPathAgain']);
    assert.deepEqual(names(registry, 'notes://7'), ['byId', 'byKey', 'anyPath', 'anyPathAgain']);
    assert.deepEqual(names(registry, 'notes://a/b#c'), ['anyPath', 'anyPathAgain', 'pathAndFragment']);
    assert.deepEqual(names(registry, 'other://7'), []);
  });

  it('gives each template its own variables', () => {
    const [byId, , anyPath] = [...registry.resolveResource('notes://7')].map((m) => m.variables);
    assert.deepEqual(byId, { id: '7' });
    assert.deepEqual(anyPath, { path: '7' });
    const [exact] = registry.resolveResource('notes://fixed/1');
    assert.equal(exact.variables, undefined);
  });

  it('orders fewer reserved expressions first when the literal text is as long', () => {
    const reserved = registryOf([
      component('resourceTemplate', 'reserved', 'a://{+x}'),
      component('resourceTemplate', 'simple', 'a://{x}'),
    ]);
    assert.deepEqual(names(reserved, 'a://1'), ['simple', 'reserved']);
  });

  it('matches a template only when the caller asks for the next candidate', () => {
    const calls: string[] = [];
    const spied = (name: string, template: string) => {
      const real = compileUriTemplate(template);
      const matcher: UriMatcher = { ...real, match: (uri) => (calls.push(name), real.match(uri)) };
      return { ...component('resourceTemplate', name, template), matcher } as McpComponent;
    };
    const lazy = registryOf([spied('general', 'n://{+a}'), spied('specific', 'n://x/{a}'), spied('other', 'n://y/{a}')]);
    const candidates = lazy.resolveResource('n://x/1');
    assert.deepEqual(calls, []);
    assert.equal(candidates.next().value?.component.info.name, 'specific');
    assert.deepEqual(calls, ['specific']);
    assert.equal(candidates.next().value?.component.info.name, 'general');
    assert.deepEqual(calls, ['specific', 'other', 'general']);
  });

  it('findResource returns the first candidate', () => {
    assert.equal(registry.findResource('notes://fixed/1')?.component.info.name, 'fixedOne');
    assert.deepEqual(registry.findResource('notes://fixed/2'), {
      component: registry.resourceTemplates.get('fixedById'),
      variables: { id: '2' },
    });
    assert.equal(registry.findResource('other://1'), undefined);
  });

  it('still refuses two resources with one URI', () => {
    assert.throws(
      () => registryOf([component('resource', 'one', 'a://x'), component('resource', 'two', 'a://x')]),
      { message: McpMessages.duplicateResourceUri('a://x', 'Test#one', 'Test#two') },
    );
  });
});

/** Boots an application context serving these providers. */
async function boot(providers: Provider[]) {
  @Module({ imports: [McpAuthModule.forRoot({ name: 'templates', version: '1', allowAnonymous: true })], providers })
  class TestModule {}
  return NestFactory.createApplicationContext(TestModule, { logger: false, abortOnError: false });
}

@Injectable()
class AdjacentVariables {
  @McpResourceTemplate({ uriTemplate: 'files://{+path}{name}', description: 'No way to split path from name' })
  read(@McpArgs('path') path: string) {
    return path;
  }
}

@Injectable()
class Files {
  @McpResourceTemplate({ uriTemplate: 'files://{+path}', description: 'Any file' })
  any(@McpArgs('path') path: string) {
    return path;
  }

  @McpResourceTemplate({ uriTemplate: 'files://{name}{.ext}', description: 'A top-level file' })
  topLevel(@McpArgs('name') name: string) {
    return name;
  }

  @McpResource({ uri: 'files://README.md', description: 'The readme' })
  readme() {
    return 'readme';
  }
}

describe('resource templates at bootstrap', () => {
  it('refuse a template with adjacent expressions, naming it and what to change', async () => {
    const error = await boot([AdjacentVariables]).then(
      async (app) => void (await app.close()),
      (caught: unknown) => caught,
    );
    assert.ok(error instanceof Error, 'startup should have failed');
    assert.equal(
      error.message,
      McpMessages.ambiguousTemplate('AdjacentVariables#read', 'files://{+path}{name}', '{+path}', '{name}'),
    );
    assert.match(error.message, /^McpAuthModule: the uriTemplate "files:\/\/\{\+path\}\{name\}" of AdjacentVariables#read cannot be matched: /);
    assert.match(error.message, /Put literal text between them \(e\.g\. \{\+path\}-\{name\}\)/);
  });

  it('register templates most specific first', async () => {
    const app = await boot([Files]);
    try {
      const registry = app.get(McpRegistry);
      assert.deepEqual(names(registry, 'files://README.md'), ['readme', 'topLevel', 'any']);
      assert.deepEqual(registry.findResource('files://notes.txt')?.variables, { name: 'notes', ext: 'txt' });
      assert.deepEqual(registry.findResource('files://docs/notes.txt')?.variables, { path: 'docs/notes.txt' });
    } finally {
      await app.close();
    }
  });
});
