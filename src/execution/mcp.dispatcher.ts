import { Injectable, NotFoundException } from '@nestjs/common';
import type { McpComponent } from '../discovery/mcp-component.js';
import { McpRegistry } from '../discovery/mcp.registry.js';
import { McpMessages } from '../mcp-auth.messages.js';
import type { McpContext } from './mcp-context.js';
import { McpErrorMapper } from './mcp-error.mapper.js';
import type { McpInvocation } from './mcp-invocation.js';
import { toPromptResult, toResourceResult, toToolError, toToolResult } from './mcp-result.mapper.js';
import { JsonRpcCode, McpProtocolError } from './mcp-tool.error.js';

type Json = Record<string, unknown>;

/**
 * The MCP operations, free of any protocol library: list, call, read and get over the registry.
 * Lists are built once and reused; a call validates its arguments, then runs the Nest-wrapped handler.
 */
@Injectable()
export class McpDispatcher {
  private lists?: { tools: Json; resources: Json; resourceTemplates: Json; prompts: Json };

  constructor(
    private readonly registry: McpRegistry,
    private readonly errors: McpErrorMapper,
  ) {}

  listTools(_context: McpContext): Json {
    return this.cachedLists().tools;
  }

  listResources(_context: McpContext): Json {
    return this.cachedLists().resources;
  }

  listResourceTemplates(_context: McpContext): Json {
    return this.cachedLists().resourceTemplates;
  }

  listPrompts(_context: McpContext): Json {
    return this.cachedLists().prompts;
  }

  async callTool(name: string, rawArguments: unknown, context: McpContext): Promise<Json> {
    const component = this.registry.tools.get(name);
    if (!component) throw new McpProtocolError(JsonRpcCode.InvalidParams, McpMessages.unknownTool(name));
    const checked = await component.validator.validate(rawArguments);
    // SEP-1303: invalid arguments are a tool result the model can read and correct, not a protocol error.
    if (!checked.ok) return toToolError(McpMessages.invalidArguments(checked.errors));
    try {
      return toToolResult(await component.invoke(this.invocation(component, context, checked.value)));
    } catch (error) {
      const client = this.errors.toClient(error, component.info.handler);
      return toToolError(client.message, client.details);
    }
  }

  async readResource(uri: string, context: McpContext): Promise<Json> {
    const found = this.registry.findResource(uri);
    if (!found) throw new McpProtocolError(JsonRpcCode.ResourceNotFound, McpMessages.unknownResource(uri));
    const { component, variables } = found;
    const checked = await component.validator.validate(variables ?? {});
    if (!checked.ok) throw new McpProtocolError(JsonRpcCode.InvalidParams, McpMessages.invalidArguments(checked.errors));
    const value = await this.run(component, this.invocation(component, context, checked.value, uri), JsonRpcCode.ResourceNotFound);
    return toResourceResult(value, uri, component.mimeType);
  }

  async getPrompt(name: string, rawArguments: unknown, context: McpContext): Promise<Json> {
    const component = this.registry.prompts.get(name);
    if (!component) throw new McpProtocolError(JsonRpcCode.InvalidParams, McpMessages.unknownPrompt(name));
    const checked = await component.validator.validate(rawArguments);
    if (!checked.ok) throw new McpProtocolError(JsonRpcCode.InvalidParams, McpMessages.invalidArguments(checked.errors));
    const value = await this.run(component, this.invocation(component, context, checked.value));
    return toPromptResult(value, component.description);
  }

  /** Runs a resource or prompt handler; its client-safe errors become JSON-RPC errors. */
  private async run(component: McpComponent, invocation: McpInvocation, notFoundCode: number = JsonRpcCode.InvalidParams): Promise<unknown> {
    try {
      return await component.invoke(invocation);
    } catch (error) {
      const client = this.errors.toClient(error, component.info.handler);
      if (client.masked) throw new McpProtocolError(JsonRpcCode.InternalError, client.message);
      // A resource handler throwing NotFoundException answers like an unknown resource (-32002).
      throw new McpProtocolError(error instanceof NotFoundException ? notFoundCode : JsonRpcCode.InvalidParams, client.message);
    }
  }

  private invocation(component: McpComponent, context: McpContext, args: unknown, uri?: string): McpInvocation {
    return { component: component.info, phase: 'call', arguments: args, uri, principal: context.principal, context };
  }

  private cachedLists() {
    if (!this.lists) {
      const descriptors = (map: Map<string, McpComponent>) => [...map.values()].map((c) => c.descriptor);
      this.lists = {
        tools: { tools: descriptors(this.registry.tools) },
        resources: { resources: descriptors(this.registry.resources) },
        resourceTemplates: { resourceTemplates: descriptors(this.registry.resourceTemplates) },
        prompts: { prompts: descriptors(this.registry.prompts) },
      };
    }
    return this.lists;
  }
}
