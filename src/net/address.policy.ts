import { BlockList, isIP } from 'node:net';

/**
 * Address ranges an outbound request may never reach unless the allow-list names them: the IANA special-purpose
 * registries (RFC 6890 and successors) — everything not globally reachable — plus multicast and the reserved space.
 */
const NON_PUBLIC_V4: ReadonlyArray<readonly [string, number]> = [
  ['0.0.0.0', 8], // "this network", includes the unspecified 0.0.0.0
  ['10.0.0.0', 8], // private (RFC 1918)
  ['100.64.0.0', 10], // shared address space, carrier-grade NAT (RFC 6598)
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local, includes cloud metadata 169.254.169.254
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // documentation (TEST-NET-1)
  ['192.88.99.0', 24], // 6to4 relay anycast (deprecated)
  ['192.168.0.0', 16], // private
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // documentation (TEST-NET-2)
  ['203.0.113.0', 24], // documentation (TEST-NET-3)
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, includes the broadcast 255.255.255.255
];

const NON_PUBLIC_V6: ReadonlyArray<readonly [string, number]> = [
  ['::', 96], // unspecified ::, loopback ::1 and the deprecated IPv4-compatible ::a.b.c.d
  ['::ffff:0:0', 96], // IPv4-mapped ::ffff:a.b.c.d: never needed to reach a public host, refused whatever it maps
  ['64:ff9b::', 96], // NAT64 well-known prefix (embeds an IPv4 address)
  ['64:ff9b:1::', 48], // NAT64 local use
  ['100::', 64], // discard-only
  ['2001::', 23], // IETF protocol assignments, includes Teredo 2001::/32
  ['2001:db8::', 32], // documentation
  ['2002::', 16], // 6to4 (embeds an IPv4 address)
  ['3fff::', 20], // documentation
  ['5f00::', 16], // segment routing SIDs
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated)
  ['ff00::', 8], // multicast
];

// Two lists: BlockList matches across families (an IPv4 address against ::ffff:0:0/96 or ::/96, an IPv4-mapped one
// against IPv4 rules), so one shared list would refuse every IPv4 address.
const NON_PUBLIC_IPV4 = new BlockList();
for (const [network, prefix] of NON_PUBLIC_V4) NON_PUBLIC_IPV4.addSubnet(network, prefix, 'ipv4');
const NON_PUBLIC_IPV6 = new BlockList();
for (const [network, prefix] of NON_PUBLIC_V6) NON_PUBLIC_IPV6.addSubnet(network, prefix, 'ipv6');

/** Whether an address is globally reachable; anything unparsable (zone ids included) is not. */
export function isPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (!family || address.includes('%')) return false;
  try {
    return family === 6 ? !NON_PUBLIC_IPV6.check(address, 'ipv6') : !NON_PUBLIC_IPV4.check(address, 'ipv4');
  } catch {
    return false;
  }
}

/** The allow-list, compiled: trusted origins (which may also use plain http) and trusted address ranges. */
export class AllowList {
  private readonly origins = new Set<string>();
  private readonly ranges = new BlockList();
  private hasRanges = false;

  /** @throws TypeError naming the first entry that is neither an origin nor a CIDR range. */
  constructor(entries: readonly string[], where: string) {
    if (!Array.isArray(entries)) throw new TypeError(invalidEntry(where, entries));
    for (const entry of entries) {
      const range = typeof entry === 'string' ? parseCidr(entry) : undefined;
      if (range) {
        this.ranges.addSubnet(range.network, range.prefix, range.family);
        this.hasRanges = true;
        continue;
      }
      const origin = typeof entry === 'string' ? parseOrigin(entry) : undefined;
      if (!origin) throw new TypeError(invalidEntry(where, entry));
      this.origins.add(origin);
    }
  }

  /** Whether the origin (`scheme://host[:port]`) is trusted: any address, and http as well as https. */
  trustsOrigin(origin: string): boolean {
    return this.origins.has(origin);
  }

  /** Whether the address is in a trusted range. */
  trustsAddress(address: string): boolean {
    if (!this.hasRanges) return false;
    const family = isIP(address);
    try {
      return family !== 0 && this.ranges.check(address, family === 6 ? 'ipv6' : 'ipv4');
    } catch {
      return false;
    }
  }
}

function parseCidr(entry: string): { network: string; prefix: number; family: 'ipv4' | 'ipv6' } | undefined {
  const slash = entry.indexOf('/');
  if (slash < 0) return undefined;
  const network = entry.slice(0, slash);
  const family = isIP(network);
  const bits = entry.slice(slash + 1);
  const prefix = Number(bits);
  if (!family || !/^\d{1,3}$/.test(bits) || prefix > (family === 4 ? 32 : 128)) return undefined;
  return { network, prefix, family: family === 4 ? 'ipv4' : 'ipv6' };
}

function parseOrigin(entry: string): string | undefined {
  try {
    const url = new URL(entry);
    const bare = url.pathname === '/' && !url.search && !url.hash && !url.username && !url.password && !entry.endsWith('/?');
    return (url.protocol === 'https:' || url.protocol === 'http:') && bare ? url.origin : undefined;
  } catch {
    return undefined;
  }
}

function invalidEntry(where: string, entry: unknown): string {
  return `${where}: entry ${JSON.stringify(entry)} must be an origin such as "https://idp.internal:8443" or a CIDR range such as "10.20.0.0/16" or "fd00::/8".`;
}
