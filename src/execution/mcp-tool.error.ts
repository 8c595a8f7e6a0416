import { IntrinsicException } from '@nestjs/common';

/**
 * Throw from a tool to send the client a tool error (`isError: true`) with this message, unmasked.
 * @example `throw new McpToolError('Note 42 is archived; unarchive it first.')`
 */
export class McpToolError extends IntrinsicException {
  constructor(
    message: string,
    /** Optional structured detail sent as `structuredContent`. */
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'McpToolError';
  }
}
