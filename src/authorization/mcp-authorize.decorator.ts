import { SetMetadata } from '@nestjs/common';
import { MCP_AUTH_METADATA } from '../mcp-auth.constants.js';
import type { McpAuthorizationCheck } from './mcp-authorization-check.js';

/**
 * Authorization checks for every component of a provider class (a component's own `auth:` adds to them).
 * @example `@McpAuthorize(RequireAuth()) @Injectable() export class AdminTools {…}`
 */
export const McpAuthorize = (...checks: McpAuthorizationCheck[]): ClassDecorator => SetMetadata(MCP_AUTH_METADATA, checks);
