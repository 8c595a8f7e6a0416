import type { ServerResponse } from 'node:http';

/** Writes one JSON-RPC message as a server-sent event. */
export function writeEvent(stream: ServerResponse, message: unknown): void {
  if (!stream.writableEnded) stream.write(`event: message\ndata: ${JSON.stringify(message)}\n\n`);
}
