import type { ServerResponse } from 'node:http';
import { serialize } from '../protocol/json-rpc.js';

/** Writes one JSON-RPC message as a server-sent event. */
export function writeEvent(stream: ServerResponse, message: unknown): void {
  if (!stream.writableEnded) stream.write(`event: message\ndata: ${serialize(message)}\n\n`);
}
