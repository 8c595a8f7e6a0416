import type { IncomingMessage } from 'node:http';

/**
 * Set on a request whose body this module read under a byte limit (the value): nothing past it was buffered, so
 * the body needs no measuring again.
 */
export const BODY_READ_LIMIT = Symbol('McpBodyReadLimit');

/**
 * The request body, or `undefined` as soon as it passes `limit` bytes: what was read is dropped and the rest is
 * discarded as it arrives (never buffered). Rejects when the client goes away mid-body.
 */
export function readLimited(stream: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  if (stream.readableEnded) return Promise.resolve(Buffer.alloc(0)); // consumed elsewhere: nothing left to read
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = () => {
      stream.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) return void chunks.push(chunk);
      done(); // the stream keeps flowing with no listener: the rest is read off the socket and dropped
      chunks.length = 0;
      resolve(undefined);
    };
    const onEnd = () => {
      done();
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    };
    const onError = (error: Error) => {
      done();
      reject(error);
    };
    const onClose = () => onError(new Error('the request closed before its body ended'));
    stream.on('data', onData).on('end', onEnd).on('error', onError).on('close', onClose).resume();
  });
}

/** The JSON text of a body: UTF-8, without the byte order mark a few clients put first. */
export function jsonText(buffer: Buffer): string {
  const text = buffer.toString('utf8');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** Whether a Content-Type names JSON (`application/json`, any case, any parameters). */
export function isJsonContentType(value: string | undefined): boolean {
  if (value === 'application/json') return true; // the usual header, without parsing
  return value !== undefined && value.split(';')[0]!.trim().toLowerCase() === 'application/json';
}
