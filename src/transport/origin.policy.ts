/**
 * MCP transport spec (Streamable HTTP, security warning): servers must validate `Origin` to stop DNS
 * rebinding. A request without `Origin` (non-browser clients) passes; a same-origin request passes; any other
 * origin must be on the allow-list.
 */
export function isOriginAllowed(origin: string | undefined, host: string | undefined, allowed: readonly string[]): boolean {
  if (origin === undefined) return true;
  if (allowed.includes('*')) return true;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false; // "null" and other opaque origins
  }
  if (url.origin === 'null') return false;
  if (host !== undefined && url.host.toLowerCase() === host.toLowerCase()) return true;
  return allowed.includes(url.origin);
}
