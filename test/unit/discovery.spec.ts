import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Injectable, Module, type Provider } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { McpArgs, McpAuthModule, McpPrompt, McpResource, McpResourceTemplate, McpTool } from 'nestjs-mcp-auth';
import { McpMessages } from '../../src/mcp-auth.messages.js';

/** Boots an application context serving these providers; resolves to the context or rejects. */
async function boot(providers: Provider[]) {
  @Module({ imports: [McpAuthModule.forRoot({ name: 'discovery', version: '1', allowAnonymous: true })], providers })
  class TestModule {}
  return NestFactory.createApplicationContext(TestModule, { logger: false, abortOnError: false });
}

/** Startup fails with this message (an app that boots anyway is closed, never left behind). */
async function failsWith(providers: Provider[], expected: string | RegExp): Promise<void> {
  const error = await boot(providers).then(
    async (app) => void (await app.close()),
    (caught: unknown) => caught,
  );
  assert.ok(error instanceof Error, 'startup should have failed');
  if (typeof expected === 'string') assert.equal(error.message, expected);
  else assert.match(error.message, expected);
}

@Injectable()
class FirstTools {
  @McpTool({ description: 'List things' })
  list() {
    return 'first';
  }
}

@Injectable()
class SecondTools {
  @McpTool({ name: 'list', description: 'List other things' })
  listOthers() {
    return 'second';
  }
}

@Injectable()
class FirstResources {
  @McpResource({ uri: 'app://config', description: 'Config' })
  config() {
    return {};
  }
}

@Injectable()
class SecondResources {
  @McpResource({ uri: 'app://config', name: 'settings', description: 'Settings' })
  settings() {
    return {};
  }
}

@Injectable()
class Undecorated {
  @McpTool({ description: 'Forgot a decorator' })
  search(@McpArgs('query') query: string, limit: number) {
    return `${query}${limit}`;
  }
}

@Injectable()
class UndecoratedFirst {
  @McpTool({ description: 'Forgot every decorator' })
  lookup(id: string) {
    return id;
  }
}

@Injectable()
class UnclosedTemplate {
  @McpResourceTemplate({ uriTemplate: 'notes://{id', description: 'Broken' })
  read(@McpArgs('id') id: string) {
    return id;
  }
}

@Injectable()
class NoVariableTemplate {
  @McpResourceTemplate({ uriTemplate: 'notes://fixed', description: 'Not a template' })
  read() {
    return 'x';
  }
}

@Injectable()
class BadVariableName {
  @McpResourceTemplate({ uriTemplate: 'notes://{note id}', description: 'Space in a variable name' })
  read() {
    return 'x';
  }
}

@Injectable()
class WrongVariable {
  @McpResourceTemplate({ uriTemplate: 'notes://{id}', description: 'Reads a variable it does not have' })
  read(@McpArgs('noteId') noteId: string) {
    return noteId;
  }
}

@Injectable()
class NoToolDescription {
  @McpTool({} as never)
  quiet() {
    return '';
  }
}

@Injectable()
class BlankPromptDescription {
  @McpPrompt({ description: '   ' })
  greet() {
    return 'hello';
  }
}

@Injectable()
class BadToolName {
  @McpTool({ name: 'create note!', description: 'Bad name' })
  create() {
    return '';
  }
}

@Injectable()
class SlashToolName {
  @McpTool({ name: 'notes/create', description: 'Slash in the name' })
  create() {
    return '';
  }
}

describe('discovery: invalid declarations stop startup', () => {
  it('two tools with one name, naming both Class#method', async () => {
    await failsWith(
      [FirstTools, SecondTools],
      'McpAuthModule: two tools are named "list": FirstTools#list and SecondTools#listOthers. Give one of them another name with the "name" option of its decorator.',
    );
  });

  it('two resources with one URI', async () => {
    await failsWith(
      [FirstResources, SecondResources],
      McpMessages.duplicateResourceUri('app://config', 'FirstResources#config', 'SecondResources#settings'),
    );
  });

  it('a parameter without a decorator, naming Class#method and its index', async () => {
    await failsWith(
      [Undecorated],
      'McpAuthModule: parameter #1 of Undecorated#search has no decorator. MCP handlers receive only decorated parameters: use @McpArgs(), @McpPrincipal(), @McpContext() or a createParamDecorator() decorator.',
    );
    await failsWith([UndecoratedFirst], McpMessages.undecoratedParameter('UndecoratedFirst#lookup', 0));
  });

  it('an invalid uriTemplate', async () => {
    await failsWith(
      [UnclosedTemplate],
      /^McpAuthModule: the uriTemplate "notes:\/\/\{id" of UnclosedTemplate#read is not a valid RFC 6570 template: \S.*\.$/,
    );
    await failsWith(
      [NoVariableTemplate],
      McpMessages.invalidTemplate('NoVariableTemplate#read', 'notes://fixed', 'it has no {variable}'),
    );
  });

  it('a uriTemplate variable name with a space', async () => {
    await failsWith([BadVariableName], /^McpAuthModule: the uriTemplate "notes:\/\/\{note id\}" of BadVariableName#read is not a valid RFC 6570 template/);
  });

  it("@McpArgs('x') on a template without {x}", async () => {
    await failsWith(
      [WrongVariable],
      `McpAuthModule: WrongVariable#read reads @McpArgs('noteId') but the uriTemplate "notes://{id}" has no {noteId} variable.`,
    );
  });

  it('a tool or prompt without a description', async () => {
    await failsWith(
      [NoToolDescription],
      'McpAuthModule: the tool NoToolDescription#quiet needs a "description" (clients show it to models to choose the tool).',
    );
    await failsWith([BlankPromptDescription], McpMessages.missingDescription('prompt', 'BlankPromptDescription#greet'));
  });

  it('an invalid tool name', async () => {
    await failsWith([BadToolName], McpMessages.invalidName('tool', 'BadToolName#create', 'create note!'));
    await failsWith([BadToolName], /^McpAuthModule: the tool name "create note!" of BadToolName#create is invalid: use 1-128 characters from /);
  });

  it('the invalid-name message lists exactly the characters that are accepted', async () => {
    await failsWith(
      [SlashToolName],
      'McpAuthModule: the tool name "notes/create" of SlashToolName#create is invalid: use 1-128 characters from A-Z a-z 0-9 _ - .',
    );
  });

  it('valid declarations boot', async () => {
    const app = await boot([FirstTools, FirstResources]);
    await app.close();
  });
});
