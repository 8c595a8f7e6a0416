import { Controller, Delete, Get, Inject, Post, Req, Res, UseGuards, type Type } from '@nestjs/common';
import { McpHttpHandler } from './mcp-http.handler.js';
import { McpRouteGuard } from './mcp-route.guard.js';

/**
 * Creates the MCP route's controller class. Each module definition gets its own class so that its path, which
 * comes from the (possibly async) options, is set on that class alone; being a Nest controller, the route gets
 * the app's global prefix, middleware and versioning.
 */
export function createMcpRouteController(): Type<unknown> {
  @Controller()
  @UseGuards(McpRouteGuard)
  class McpRouteController {
    constructor(@Inject(McpHttpHandler) private readonly handler: McpHttpHandler) {}

    @Post()
    post(@Req() request: unknown, @Res() response: unknown): Promise<void> {
      return this.handler.post(request, response);
    }

    @Get()
    stream(@Req() request: unknown, @Res() response: unknown): Promise<void> {
      return this.handler.get(request, response);
    }

    @Delete()
    end(@Req() request: unknown, @Res() response: unknown): Promise<void> {
      return this.handler.delete(request, response);
    }
  }
  return McpRouteController;
}
