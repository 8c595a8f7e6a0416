import { Injectable, type Type } from '@nestjs/common';
import { McpArgs, McpTool, RequireScopes } from 'nestjs-mcp-auth';
import { AddDto } from './add.dto.js';
import { toolDescription, toolName } from './work.js';

/** The one-tool provider of the tools/call scenario. */
@Injectable()
export class AddTools {
  @McpTool({ description: 'Adds two numbers.' })
  add(@McpArgs() args: AddDto): string {
    return String(args.a + args.b);
  }
}

/**
 * A provider with `count` distinct tools, each typed exactly as `AddTools#add` would be: the decorators a
 * class body would apply are applied by hand, in the same order (parameter, then method), with the
 * `design:paramtypes` metadata TypeScript would emit.
 */
export function manyToolsProvider(count: number, scopeOf: (i: number) => string | undefined = () => undefined): Type<unknown> {
  class ManyTools {}
  const proto = ManyTools.prototype as unknown as Record<string, unknown>;
  for (let i = 0; i < count; i++) {
    const name = toolName(i);
    Object.defineProperty(proto, name, {
      value: function (this: unknown, args: AddDto): string {
        return String(args.a + args.b);
      },
      writable: true,
      configurable: true,
      enumerable: false,
    });
    Reflect.defineMetadata('design:paramtypes', [AddDto], proto, name);
    Reflect.defineMetadata('design:returntype', String, proto, name);
    McpArgs()(proto, name, 0);
    const scope = scopeOf(i);
    McpTool({ description: toolDescription(name), ...(scope && { auth: RequireScopes(scope) }) })(
      proto,
      name,
      Object.getOwnPropertyDescriptor(proto, name)!,
    );
  }
  Injectable()(ManyTools);
  return ManyTools;
}
