import { randomUUID } from 'node:crypto';
import { HttpException, Inject, Injectable, Logger } from '@nestjs/common';
import { MCP_RESOLVED_OPTIONS } from '../mcp-auth.constants.js';
import { McpMessages } from '../mcp-auth.messages.js';
import type { McpResolvedOptions } from '../mcp-auth.options.js';
import { McpToolError } from './mcp-tool.error.js';

export interface McpClientError {
  readonly message: string;
  /** True when the client gets the masked text and the log holds the detail. */
  readonly masked: boolean;
  readonly details?: Record<string, unknown>;
}

/**
 * Decides what a client may learn from an exception: `McpToolError` and 4xx `HttpException`s carry their
 * message; anything else is logged with a correlation id and reaches the client as "Internal error (reference: id)".
 */
@Injectable()
export class McpErrorMapper {
  private readonly logger = new Logger('McpAuthModule');

  constructor(@Inject(MCP_RESOLVED_OPTIONS) private readonly options: McpResolvedOptions) {}

  toClient(error: unknown, where: string): McpClientError {
    if (error instanceof McpToolError) return { message: error.message, masked: false, details: error.details };
    if (error instanceof HttpException && error.getStatus() < 500) {
      return { message: httpMessage(error), masked: false };
    }
    return { message: this.mask(error, where), masked: true };
  }

  /** Logs the error under a fresh correlation id; returns what the client may see. */
  mask(error: unknown, where: string): string {
    const id = randomUUID();
    const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
    this.logger.error(`[${id}] ${where} failed: ${detail}`);
    if (!this.options.maskErrorDetails && error instanceof Error) return `${error.message} (reference: ${id})`;
    return McpMessages.internalError(id);
  }
}

function httpMessage(error: HttpException): string {
  const response = error.getResponse();
  if (typeof response === 'string') return response;
  const message = (response as { message?: unknown }).message;
  if (Array.isArray(message)) return message.join('; ');
  return typeof message === 'string' ? message : error.message;
}
