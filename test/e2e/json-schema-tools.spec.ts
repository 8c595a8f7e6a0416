import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { IsString } from 'class-validator';
import { McpArgs, McpAuthModule, McpTool, RequireScopes } from 'nestjs-mcp-auth';
import { ADAPTERS, connectClient, startFixture, type Fixture } from '../fixtures/app.fixture.js';
import { connectModernClient, modernPost } from '../fixtures/modern.fixture.js';

const REGION_SCHEMA = {
  type: 'object',
  properties: {
    region: { type: 'string', 'x-mcp-header': 'Region' },
    shard: { type: 'integer', 'x-mcp-header': 'Shard' },
    dry: { type: 'boolean', 'x-mcp-header': 'Dry-Run' },
    query: { type: 'string' },
  },
  required: ['region', 'query'],
};

const SCHEMA = Object.freeze({
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  $defs: {
    address: { type: 'object', properties: { street: { type: 'string' }, city: { type: 'string' } }, required: ['city'] },
  },
  properties: {
    name: { type: 'string', 'x-mcp-header': 'Name' },
    address: { $ref: '#/$defs/address' },
  },
  required: ['name'],
  additionalProperties: false,
});

const Seen: unknown[] = [];
const b64 = (value: string) => `=?base64?${Buffer.from(value, 'utf8').toString('base64')}?=`;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const json = (response: Response): Promise<any> => response.json();

@Injectable()
class SchemaTools {
  @McpTool({ name: 'json_schema_2020_12_tool', description: 'Tool with JSON Schema 2020-12 features', inputSchema: SCHEMA, outputSchema: { type: 'object', properties: { city: { type: 'string' } } } })
  locate(@McpArgs() args: Record<string, unknown>) {
    Seen.push(args);
    return { city: (args.address as { city?: string } | undefined)?.city ?? 'unknown' };
  }

  @McpTool({ name: 'execute_sql', description: 'Runs a query in a region', inputSchema: REGION_SCHEMA })
  sql(@McpArgs() args: Record<string, unknown>) {
    Seen.push(args);
    return `ran in ${String(args.region)}`;
  }

  @McpTool({ name: 'secret_sql', description: 'Hidden from callers without the scope', inputSchema: REGION_SCHEMA, auth: RequireScopes('sql:admin') })
  secretSql(@McpArgs() args: Record<string, unknown>) {
    Seen.push(args);
    return 'secret';
  }
}

for (const adapter of ADAPTERS) {
  describe(`a tool's own JSON Schema (${adapter})`, () => {
    let fixture: Fixture;
    before(async () => {
      fixture = await startFixture({ adapter, components: [SchemaTools] });
    });
    after(() => fixture.close());

    it('reaches 2025 and 2026-07-28 clients unchanged ($schema, $defs, $ref, additionalProperties)', async () => {
      const legacy = await connectClient(fixture.url);
      const modern = await connectModernClient(fixture.url);
      try {
        for (const client of [legacy, modern]) {
          const tool = (await client.listTools()).tools.find((t) => t.name === 'json_schema_2020_12_tool');
          assert.deepEqual(tool?.inputSchema, SCHEMA);
          assert.deepEqual(tool?.outputSchema, { type: 'object', properties: { city: { type: 'string' } } });
        }
      } finally {
        await legacy.close();
        await modern.close();
      }
    });

    it('arguments are checked against it ($ref followed) before the handler runs', async () => {
      const client = await connectClient(fixture.url);
      try {
        const ok = await client.callTool({ name: 'json_schema_2020_12_tool', arguments: { name: 'n', address: { city: 'Lyon' } } });
        assert.deepEqual(ok.structuredContent, { city: 'Lyon' });
        const before = Seen.length;
        for (const [args, message] of [
          [{ name: 'n', extra: 1 }, /must NOT have additional properties/],
          [{ name: 7 }, /\/name must be string/],
          [{ name: 'n', address: { street: 'x' } }, /\/address must have required property 'city'/],
          [{}, /must have required property 'name'/],
        ] as const) {
          const result = await client.callTool({ name: 'json_schema_2020_12_tool', arguments: args });
          assert.equal(result.isError, true, JSON.stringify(args));
          assert.match((result.content as Array<{ text: string }>)[0].text, message);
        }
        assert.equal(Seen.length, before, 'the handler never ran on invalid arguments');
      } finally {
        await client.close();
      }
    });
  });
}

for (const adapter of ADAPTERS) {
  describe(`x-mcp-header: Mcp-Param-* headers held to the arguments (${adapter})`, () => {
    let fixture: Fixture;
    before(async () => {
      fixture = await startFixture({ adapter, components: [SchemaTools] });
    });
    after(() => fixture.close());
    const call = (args: Record<string, unknown>, headers: Record<string, string>, name = 'execute_sql') =>
      modernPost(fixture.url, 1, 'tools/call', { name, arguments: args }, headers);

    it('the 2026-07-28 SDK client mirrors them, and the call runs', async () => {
      const client = await connectModernClient(fixture.url);
      try {
        const result = await client.callTool({ name: 'execute_sql', arguments: { region: 'eu-west', shard: 3, dry: true, query: 'select 1' } });
        assert.deepEqual(result.content, [{ type: 'text', text: 'ran in eu-west' }]);
      } finally {
        await client.close();
      }
    });

    it('matching headers pass (base64-encoded, integers compared as numbers); an absent parameter needs no header', async () => {
      const ok = await call({ region: 'Zürich', shard: 42, query: 'q' }, { 'mcp-param-region': b64('Zürich'), 'mcp-param-shard': '42.0' });
      assert.equal(ok.status, 200);
      assert.equal((await json(ok)).result.content[0].text, 'ran in Zürich');
    });

    for (const [label, args, headers] of [
      ['a missing header', { region: 'eu', query: 'q' }, {}],
      ['a header naming another value', { region: 'eu', query: 'q' }, { 'mcp-param-region': 'us' }],
      ['a header for a parameter the body lacks', { region: 'eu', query: 'q' }, { 'mcp-param-region': 'eu', 'mcp-param-shard': '1' }],
      ['an integer that differs', { region: 'eu', shard: 2, query: 'q' }, { 'mcp-param-region': 'eu', 'mcp-param-shard': '3' }],
      ['a boolean spelled otherwise', { region: 'eu', dry: true, query: 'q' }, { 'mcp-param-region': 'eu', 'mcp-param-dry-run': 'TRUE' }],
      ['a broken base64 sentinel', { region: 'eu', query: 'q' }, { 'mcp-param-region': '=?base64?%%?=' }],
    ] as const) {
      it(`${label}: 400, -32020, the handler never runs`, async () => {
        const before = Seen.length;
        const response = await call(args, headers);
        assert.equal(response.status, 400);
        assert.equal((await json(response)).error.code, -32020);
        assert.equal(Seen.length, before);
      });
    }

    it('a hidden tool answers like a missing one whatever its headers (its annotations are not an oracle)', async () => {
      const hidden = await (await call({ region: 'eu', query: 'q' }, { 'mcp-param-region': 'us' }, 'secret_sql')).text();
      const ghost = await (await call({ region: 'eu', query: 'q' }, { 'mcp-param-region': 'us' }, 'ghost_sql')).text();
      assert.equal(hidden, ghost.replaceAll('ghost_sql', 'secret_sql'));
    });

    it('2025 requests carry no such headers and are not held to them', async () => {
      const client = await connectClient(fixture.url);
      try {
        const result = await client.callTool({ name: 'execute_sql', arguments: { region: 'eu', query: 'q' } });
        assert.deepEqual(result.content, [{ type: 'text', text: 'ran in eu' }]);
      } finally {
        await client.close();
      }
    });
  });
}

describe('declared schemas are checked at startup', () => {
  async function bootWith(component: Function): Promise<unknown> {
    @Module({ imports: [McpAuthModule.forRoot({ name: 'n', version: '1', allowAnonymous: true })], providers: [component as never] })
    class TestModule {}
    return NestFactory.createApplicationContext(TestModule, { logger: false, abortOnError: false }).then(
      async (app) => void (await app.close()),
      (error: unknown) => error,
    );
  }
  class Dto {
    @IsString() name!: string;
  }

  it('a DTO and an inputSchema together, a root that is not an object, an invalid schema, an unknown keyword', async () => {
    @Injectable()
    class Both {
      @McpTool({ description: 'd', inputSchema: { type: 'object' } })
      t(@McpArgs() args: Dto) {
        return args.name;
      }
    }
    assert.match(String(await bootWith(Both)), /Both#t declares an inputSchema and also takes the DTO Dto/);

    @Injectable()
    class NotObject {
      @McpTool({ description: 'd', inputSchema: { type: 'string' } })
      t() {
        return 1;
      }
    }
    assert.match(String(await bootWith(NotObject)), /inputSchema" must be a JSON Schema object with type "object"/);

    @Injectable()
    class Broken {
      @McpTool({ description: 'd', inputSchema: { type: 'object', properties: { a: { type: 'strin' } } } })
      t() {
        return 1;
      }
    }
    assert.match(String(await bootWith(Broken)), /the inputSchema of Broken#t is not a valid JSON Schema/);

    @Injectable()
    class Typo {
      @McpTool({ description: 'd', inputSchema: { type: 'object', propertys: {} } })
      t() {
        return 1;
      }
    }
    assert.match(String(await bootWith(Typo)), /the inputSchema of Typo#t is not a valid JSON Schema: .*propertys/);
  });

  it('x-mcp-header annotations the spec forbids', async () => {
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ type: 'object', properties: { n: { type: 'number', 'x-mcp-header': 'N' } } }, /not of type string, integer or boolean/],
      [{ type: 'object', properties: { l: { type: 'array', items: { type: 'string', 'x-mcp-header': 'L' } } } }, /not reachable from the root/],
      [{ type: 'object', properties: { a: { type: 'string', 'x-mcp-header': 'Same' }, b: { type: 'string', 'x-mcp-header': 'SAME' } } }, /declared twice/],
      [{ type: 'object', properties: { a: { type: 'string', 'x-mcp-header': 'Bad Name' } } }, /not an HTTP field-name token/],
      [{ type: 'object', oneOf: [{ properties: { a: { type: 'string', 'x-mcp-header': 'A' } } }] }, /not reachable from the root/],
    ];
    for (const [schema, message] of cases) {
      @Injectable()
      class Annotated {
        @McpTool({ description: 'd', inputSchema: schema })
        t() {
          return 1;
        }
      }
      assert.match(String(await bootWith(Annotated)), message, JSON.stringify(schema));
    }
  });
});
