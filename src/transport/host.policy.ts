import type { IncomingMessage } from 'node:http';

const LOOPBACK_ADDRESSES = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);
const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]']);

/** The host a request addressed: `X-Forwarded-Host` only when the peer is a trusted proxy, else `Host`. */
export function effectiveHost(raw: IncomingMessage, trustedProxies: readonly string[]): string | undefined {
  const forwarded = raw.headers['x-forwarded-host'];
  if (forwarded === undefined || !trustedProxies.length) return raw.headers.host;
  const peer = (raw.socket?.remoteAddress ?? '').replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '');
  if (trustedProxies.includes(peer)) return (Array.isArray(forwarded) ? forwarded[0] : forwarded).split(',')[0].trim();
  return raw.headers.host;
}

/**
 * DNS rebinding defence (MCP transport spec): a page on evil.example whose name now resolves to 127.0.0.1 sends
 * `Host: evil.example`. Requests that arrive on a loopback address must therefore name a loopback host; with an
 * explicit allow-list every request must name one of its hosts.
 */
export function isHostAllowed(host: string | undefined, localAddress: string | undefined, allowed: readonly string[]): boolean {
  if (allowed.includes('*')) return true;
  if (host === undefined) return false;
  const lower = host.toLowerCase();
  const port = lower.startsWith('[') ? lower.indexOf(']') + 1 : lower.indexOf(':');
  const name = port > 0 ? lower.slice(0, port) : lower;
  if (allowed.length) return allowed.includes(lower) || allowed.includes(name);
  if (localAddress !== undefined && LOOPBACK_ADDRESSES.has(localAddress)) return LOOPBACK_NAMES.has(name);
  return true;
}
