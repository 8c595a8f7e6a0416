import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import {
  Catch,
  Injectable,
  UseFilters,
  UseInterceptors,
  UsePipes,
  type ArgumentMetadata,
  type CallHandler,
  type ExceptionFilter,
  type ExecutionContext,
  type NestInterceptor,
  type PipeTransform,
} from '@nestjs/common';
import { APP_INTERCEPTOR, APP_PIPE } from '@nestjs/core';
import { IsInt, IsOptional, IsString } from 'class-validator';
import { map, of, type Observable } from 'rxjs';
import { McpArgs, McpContext, McpPrincipal, McpTool, RequireScopes } from 'nestjs-mcp-auth';
import { ADAPTERS, connectClient, startFixture, type Fixture } from '../fixtures/app.fixture.js';

/**
 * A method with nothing of Nest's to apply (no pipes, no interceptors, only the module's own parameter decorators)
 * is called without `ExternalContextCreator`'s per-call machinery. These tests hold that path to the pipeline's: the
 * same method with a pass-through interceptor goes through `ExternalContextCreator`, and both must receive the same
 * parameters and answer the same; and global pipes and interceptors (APP_PIPE, APP_INTERCEPTOR) must still apply to
 * every component.
 */

class EchoDto {
  @IsString()
  text!: string;

  @IsOptional()
  @IsInt()
  n?: number;
}

@Injectable()
class PassThrough implements NestInterceptor {
  intercept(_context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next.handle();
  }
}

function describeCall(args: EchoDto, text: string, sub: string, who: McpPrincipal, ctx: McpContext) {
  return {
    args: { ...args },
    dto: args.constructor.name,
    text,
    sub,
    principal: who.principal.sub,
    requestId: typeof ctx.requestId,
    transport: ctx.transport,
    signal: ctx.signal instanceof AbortSignal,
    request: typeof ctx.request,
    // Whether Nest's ExternalContextCreator called the method (its frame is on the stack then).
    pipeline: /external-context-creator/.test(new Error().stack ?? ''),
  };
}

/** A global interceptor that marks every text result. */
@Injectable()
class MarkResults implements NestInterceptor {
  intercept(_context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next.handle().pipe(map((value) => (typeof value === 'string' ? `[marked] ${value}` : value)));
  }
}

/** A global pipe that upper-cases the `text` argument bound on its own. */
@Injectable()
class UpperText implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    return metadata.data === 'text' && typeof value === 'string' ? value.toUpperCase() : value;
  }
}

/** Turns any exception into a result. */
@Catch()
class TurnIntoResult implements ExceptionFilter {
  catch(error: Error) {
    return { content: [{ type: 'text', text: `filtered: ${error.message}` }] };
  }
}

@Injectable()
class TwinTools {
  @McpTool({ description: 'Describes what it received (no enhancers).' })
  plain(@McpArgs() args: EchoDto, @McpArgs('text') text: string, @McpPrincipal('sub') sub: string, @McpPrincipal() who: McpPrincipal, @McpContext() ctx: McpContext) {
    return describeCall(args, text, sub, who, ctx);
  }

  @McpTool({ description: 'Describes what it received (through an interceptor).' })
  @UseInterceptors(PassThrough)
  intercepted(@McpArgs() args: EchoDto, @McpArgs('text') text: string, @McpPrincipal('sub') sub: string, @McpPrincipal() who: McpPrincipal, @McpContext() ctx: McpContext) {
    return describeCall(args, text, sub, who, ctx);
  }

  @McpTool({ description: 'Answers with an Observable (no enhancers).' })
  observed(@McpArgs() args: EchoDto): Observable<string> {
    return of('first', `last ${args.text}`);
  }

  @McpTool({ description: 'Answers with an Observable (through an interceptor).' })
  @UseInterceptors(PassThrough)
  observedIntercepted(@McpArgs() args: EchoDto): Observable<string> {
    return of('first', `last ${args.text}`);
  }

  @McpTool({ description: 'Answers with a promise of an Observable (no enhancers).' })
  async observedLater(@McpArgs() args: EchoDto): Promise<Observable<string>> {
    return of('first', `later ${args.text}`);
  }

  @McpTool({ description: 'A method pipe.' })
  @UsePipes(UpperText)
  methodPiped(@McpArgs('text') text: string): string {
    return text;
  }

  @McpTool({ description: 'A parameter pipe.' })
  paramPiped(@McpArgs('text', UpperText) text: string): string {
    return text;
  }

  @McpTool({ description: 'Throws, under an exception filter.' })
  @UseFilters(TurnIntoResult)
  filtered(@McpArgs() _args: EchoDto): string {
    throw new Error('boom');
  }

  @McpTool({ description: 'Needs a scope nobody here has, under an exception filter.', auth: RequireScopes('notes:admin') })
  @UseFilters(TurnIntoResult)
  deniedFiltered(@McpArgs() _args: EchoDto): string {
    return 'never';
  }

  @McpTool({ description: 'Throws (no enhancers).' })
  failing(@McpArgs() _args: EchoDto): string {
    throw new Error('secret detail');
  }

  @McpTool({ description: 'Rejects (no enhancers).' })
  async rejecting(@McpArgs() _args: EchoDto): Promise<string> {
    throw new Error('secret detail');
  }
}

@Injectable()
class GlobalTools {
  @McpTool({ description: 'Echoes its text.' })
  echo(@McpArgs('text') text: string): string {
    return text;
  }
}

@Injectable()
@UseInterceptors(MarkResults)
class MarkedTools {
  @McpTool({ description: 'Echoes its text, under a class interceptor.' })
  marked(@McpArgs('text') text: string): string {
    return text;
  }
}

@Injectable()
@UsePipes(UpperText)
class PipedTools {
  @McpTool({ description: 'Echoes its text, under a class pipe.' })
  classPiped(@McpArgs('text') text: string): string {
    return text;
  }
}

function textOf(result: unknown): string {
  const content = (result as { content: Array<{ type: string; text?: string }> }).content;
  return content.map((c) => c.text).join('');
}

for (const adapter of ADAPTERS) {
  describe(`handler invocation with and without Nest's pipeline over ${adapter}`, () => {
    let fixture: Fixture;
    let client: Client;

    before(async () => {
      fixture = await startFixture({ adapter, components: [TwinTools, MarkedTools, PipedTools, PassThrough, MarkResults, UpperText] });
      client = await connectClient(fixture.url);
    });
    after(async () => {
      await client?.close();
      await fixture?.close();
    });

    it('a method without enhancers receives exactly what the pipeline gives it', async () => {
      const args = { text: 'hello', n: 3 };
      const plain = await client.callTool({ name: 'plain', arguments: args });
      const intercepted = await client.callTool({ name: 'intercepted', arguments: args });
      assert.deepEqual(plain.structuredContent, {
        args,
        dto: 'EchoDto',
        text: 'hello',
        sub: 'anonymous',
        principal: 'anonymous',
        requestId: 'number',
        transport: 'http',
        signal: true,
        request: 'object',
        pipeline: false,
      });
      const { pipeline, ...rest } = intercepted.structuredContent as { pipeline: boolean };
      assert.equal(pipeline, true);
      assert.deepEqual({ ...rest, pipeline: false }, plain.structuredContent);
    });

    it('an Observable result (or a promise of one) answers with its last value on both paths', async () => {
      const plain = await client.callTool({ name: 'observed', arguments: { text: 'x' } });
      const intercepted = await client.callTool({ name: 'observedIntercepted', arguments: { text: 'x' } });
      assert.equal(textOf(plain), 'last x');
      assert.deepEqual(plain, intercepted);
      assert.equal(textOf(await client.callTool({ name: 'observedLater', arguments: { text: 'y' } })), 'later y');
    });

    it('pipes and interceptors on the method, the class or the parameter still apply', async () => {
      const text = async (name: string) => textOf(await client.callTool({ name, arguments: { text: 'quiet' } }));
      assert.equal(await text('methodPiped'), 'QUIET');
      assert.equal(await text('paramPiped'), 'QUIET');
      assert.equal(await text('classPiped'), 'QUIET');
      assert.equal(await text('marked'), '[marked] quiet');
    });

    it("a component's exception filter handles its errors, never its denial", async () => {
      assert.equal(textOf(await client.callTool({ name: 'filtered', arguments: { text: 'x' } })), 'filtered: boom');
      await assert.rejects(client.callTool({ name: 'deniedFiltered', arguments: { text: 'x' } }), /Unknown tool: deniedFiltered/);
    });

    it('a handler that throws or rejects is masked as on the pipeline', async () => {
      for (const name of ['failing', 'rejecting']) {
        const result = await client.callTool({ name, arguments: { text: 'x' } });
        assert.equal(result.isError, true);
        assert.match(textOf(result), /^Internal error \(reference: [\w-]+\)$/);
        assert.doesNotMatch(textOf(result), /secret/);
      }
    });
  });

  describe(`global pipes and interceptors on MCP components over ${adapter}`, () => {
    let fixture: Fixture;
    let client: Client;

    before(async () => {
      fixture = await startFixture({
        adapter,
        components: [GlobalTools],
        providers: [
          { provide: APP_INTERCEPTOR, useClass: MarkResults },
          { provide: APP_PIPE, useClass: UpperText },
        ],
      });
      client = await connectClient(fixture.url);
    });
    after(async () => {
      await client?.close();
      await fixture?.close();
    });

    it('APP_PIPE transforms the arguments and APP_INTERCEPTOR the result of a component with no enhancers of its own', async () => {
      const result = await client.callTool({ name: 'echo', arguments: { text: 'quiet' } });
      assert.equal(textOf(result), '[marked] QUIET');
    });
  });
}
