import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Tells run.ts where the server listens: one JSON line on stdout. */
export function announce(server: { address(): AddressInfo | string | null }): void {
  const address = server.address() as AddressInfo;
  process.stdout.write(`${JSON.stringify({ port: address.port })}\n`);
}

/** Exits normally on SIGTERM/SIGINT so that `--cpu-prof` writes its profile. */
export function exitOnSignal(): void {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => process.exit(0));
}

/** The adapter named on the command line. */
export function adapterArg(value: string | undefined): 'express' | 'fastify' {
  if (value === 'express' || value === 'fastify') return value;
  throw new Error(`adapter must be "express" or "fastify", got ${String(value)}`);
}

/**
 * Wraps an async node:http handler: a client that goes away mid-request (autocannon does at the end of each
 * run) rejects the body stream; that must drop the connection, not crash the server.
 */
export function safe(
  handler: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => void handler(req, res).catch(() => res.destroy());
}

/** Reads and parses a JSON request body (events rather than `for await`, the cheaper way); undefined when not JSON. */
export function readJson(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.once('error', reject);
    req.once('end', () => {
      try {
        resolve(JSON.parse(chunks.length === 1 ? chunks[0].toString('utf8') : Buffer.concat(chunks).toString('utf8')));
      } catch {
        resolve(undefined);
      }
    });
  });
}
