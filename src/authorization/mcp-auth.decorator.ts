import { SetMetadata } from '@nestjs/common';
import { MCP_AUTH_METADATA } from '../mcp-auth.constants.js';
import type { McpAuthCheck } from './mcp-auth-check.js';

/**
 * Authorization checks for every component of a provider class (a component's own `auth:` adds to them).
 * @example `@McpAuth(RequireAuth()) @Injectable() export class AdminTools {…}`
 */
export const McpAuth = (...checks: McpAuthCheck[]): ClassDecorator => SetMetadata(MCP_AUTH_METADATA, checks);
