import assert from 'node:assert/strict';
import { createServer as createHttpServer, type IncomingHttpHeaders, type RequestListener, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createTcpServer, Socket } from 'node:net';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { McpFetchError, McpFetchRefusedError, mcpSafeFetch, type McpFetchLookup, type McpSafeFetchOptions } from 'nestjs-mcp-auth';
import { McpMessages } from '../../src/mcp-auth.messages.js';
import { isPublicAddress } from '../../src/net/address.policy.js';
import { TEST_TLS_CERT, TEST_TLS_KEY } from '../fixtures/tls.fixture.js';

/**
 * Every outbound connection attempt this process makes (plain and TLS sockets both go through Socket#connect), with
 * the address it reached once connected. Observation only: the attempt proceeds unchanged.
 */
const sockets: Array<{ host?: string; port?: number }> = [];
const connect = Socket.prototype.connect;
Socket.prototype.connect = function (this: Socket, ...args: unknown[]) {
  const record: { host?: string; port?: number } = {};
  sockets.push(record);
  this.once('connect', () => Object.assign(record, { host: this.remoteAddress, port: this.remotePort }));
  return (connect as (...a: unknown[]) => Socket).apply(this, args);
} as typeof connect;
after(() => void (Socket.prototype.connect = connect));

/** A lookup that answers from a table and counts its calls; it never asks real DNS. */
function stubLookup(answers: (hostname: string, call: number) => string[]): McpFetchLookup & { calls: number } {
  const lookup = Object.assign(
    async (hostname: string) => {
      lookup.calls++;
      return answers(hostname, lookup.calls).map((address) => ({ address, family: (address.includes(':') ? 6 : 4) as 4 | 6 }));
    },
    { calls: 0 },
  );
  return lookup;
}

async function refusedWith(promise: Promise<unknown>, reason: string): Promise<McpFetchRefusedError> {
  const error = await promise.then(
    () => assert.fail(`expected a refusal (${reason})`),
    (e: unknown) => e,
  );
  assert.ok(error instanceof McpFetchRefusedError, `a McpFetchRefusedError, got ${String(error)}`);
  assert.equal(error.reason, reason);
  return error;
}

async function failedWith(promise: Promise<unknown>, reason: string): Promise<McpFetchError> {
  const error = await promise.then(
    () => assert.fail(`expected a failure (${reason})`),
    (e: unknown) => e,
  );
  assert.ok(error instanceof McpFetchError, `a McpFetchError, got ${String(error)}`);
  assert.ok(!(error instanceof McpFetchRefusedError), 'a failure, not a policy refusal');
  assert.equal(error.reason, reason);
  return error;
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as { port: number }).port;
}

const close = (server: Server) => new Promise<void>((resolve) => server.close(() => resolve()));

/** Addresses an outbound request must never reach, by range; each is also tried as an IPv4-mapped form where it applies. */
const NON_PUBLIC: Array<[string, string]> = [
  ['loopback', '127.0.0.1'],
  ['loopback (other)', '127.255.255.254'],
  ['private 10/8', '10.0.0.1'],
  ['private 172.16/12', '172.16.0.1'],
  ['private 172.16/12 (top)', '172.31.255.255'],
  ['private 192.168/16', '192.168.1.1'],
  ['link-local', '169.254.1.1'],
  ['cloud metadata', '169.254.169.254'],
  ['carrier-grade NAT 100.64/10', '100.64.0.1'],
  ['carrier-grade NAT (top)', '100.127.255.254'],
  ['unspecified', '0.0.0.0'],
  ['"this network" 0/8', '0.1.2.3'],
  ['multicast', '224.0.0.1'],
  ['multicast (top)', '239.255.255.250'],
  ['reserved 240/4', '240.0.0.1'],
  ['broadcast', '255.255.255.255'],
  ['benchmarking 198.18/15', '198.18.0.1'],
  ['documentation TEST-NET-1', '192.0.2.1'],
  ['documentation TEST-NET-3', '203.0.113.5'],
  ['IETF protocol assignments', '192.0.0.8'],
  ['IPv6 loopback', '::1'],
  ['IPv6 unspecified', '::'],
  ['IPv6 link-local', 'fe80::1'],
  ['IPv6 link-local (top of fe80::/10)', 'febf::1'],
  ['IPv6 unique local fc00::/7', 'fc00::1'],
  ['IPv6 unique local fd00::/8', 'fd12:3456::1'],
  ['IPv6 multicast', 'ff02::1'],
  ['IPv6 site-local (deprecated)', 'fec0::1'],
  ['IPv4-mapped loopback', '::ffff:127.0.0.1'],
  ['IPv4-mapped loopback (hex)', '::ffff:7f00:1'],
  ['IPv4-mapped private', '::ffff:10.0.0.1'],
  ['IPv4-mapped metadata', '::ffff:169.254.169.254'],
  ['IPv4-mapped public (mapped forms are never needed)', '::ffff:8.8.8.8'],
  ['IPv4-compatible (deprecated) loopback', '::127.0.0.1'],
  ['NAT64 of loopback', '64:ff9b::7f00:1'],
  ['6to4 of private', '2002:a00:1::1'],
  ['Teredo', '2001:0:4136:e378::1'],
  ['IPv6 documentation', '2001:db8::1'],
  ['IPv6 discard-only', '100::1'],
];

describe('mcpSafeFetch: addresses (no connection is ever attempted)', () => {
  let before: number;
  beforeEach(() => (before = sockets.length));
  afterEach(() => assert.equal(sockets.length, before, 'no socket was opened'));

  for (const [range, address] of NON_PUBLIC) {
    it(`refuses a host resolving to ${range} (${address})`, async () => {
      const lookup = stubLookup(() => [address]);
      const error = await refusedWith(mcpSafeFetch('https://innocent.example/doc', { lookup }), 'blocked_address');
      assert.equal(lookup.calls, 1);
      assert.equal(error.message, McpMessages.fetchRefused('https://innocent.example/doc', 'blocked_address'));
      assert.ok(!error.message.includes(address) || address === '::', 'the resolved address is not disclosed');
    });
  }

  it('refuses a host when any one of its addresses is non-public (a public decoy first)', async () => {
    const lookup = stubLookup(() => ['93.184.216.34', '2606:2800:220:1::1', '10.0.0.7']);
    await refusedWith(mcpSafeFetch('https://mixed.example/', { lookup }), 'blocked_address');
  });

  const literals = [
    'https://127.0.0.1/',
    'https://127.1/',
    'https://0x7f.0.0.1/',
    'https://2130706433/',
    'https://017700000001/',
    'https://[::1]/',
    'https://[::ffff:127.0.0.1]/',
    'https://[::ffff:7f00:1]/',
    'https://[0:0:0:0:0:ffff:a9fe:a9fe]/latest/meta-data/',
    'https://169.254.169.254/latest/meta-data/iam/security-credentials/',
    'https://[fd00:ec2::254]/',
    'https://0.0.0.0:8080/',
    'https://[::]/',
    'https://10.1.2.3:443/',
    'https://100.100.100.200/latest/meta-data/',
  ];
  for (const url of literals) {
    it(`refuses the address literal ${url} without a DNS query`, async () => {
      const lookup = stubLookup(() => ['8.8.8.8']);
      await refusedWith(mcpSafeFetch(url, { lookup }), 'blocked_address');
      assert.equal(lookup.calls, 0);
    });
  }

  it('a lookup answer that is not an address is refused, not connected to', async () => {
    const lookup: McpFetchLookup = async () => [{ address: 'localhost', family: 4 }];
    await refusedWith(mcpSafeFetch('https://weird.example/', { lookup }), 'blocked_address');
  });

  it('a name that does not resolve fails with reason dns', async () => {
    const lookup: McpFetchLookup = async () => {
      throw Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' });
    };
    await failedWith(mcpSafeFetch('https://nowhere.example/', { lookup }), 'dns');
    await failedWith(mcpSafeFetch('https://empty.example/', { lookup: async () => [] }), 'dns');
  });

  it('classifies public addresses as public (decision only, nothing is fetched)', () => {
    for (const address of ['8.8.8.8', '1.1.1.1', '93.184.216.34', '100.63.255.255', '100.128.0.0', '172.15.255.255', '172.32.0.0', '2606:4700:4700::1111', '2a00:1450::1']) {
      assert.equal(isPublicAddress(address), true, address);
    }
    for (const [, address] of NON_PUBLIC) assert.equal(isPublicAddress(address), false, address);
    assert.equal(isPublicAddress('fe80::1%eth0'), false, 'zone ids are refused');
    assert.equal(isPublicAddress('not-an-ip'), false);
  });
});

describe('mcpSafeFetch: schemes and URLs', () => {
  let before: number;
  beforeEach(() => (before = sockets.length));
  afterEach(() => assert.equal(sockets.length, before, 'no socket was opened'));

  for (const url of ['file:///etc/passwd', 'ftp://ftp.example/x', 'gopher://example:70/_x', 'data:text/plain,hi', 'javascript:alert(1)', 'ws://example/x', 'dict://example:11211/stat']) {
    it(`refuses ${url.split(':')[0]}: URLs`, async () => {
      const error = await refusedWith(mcpSafeFetch(url, { lookup: stubLookup(() => ['8.8.8.8']) }), 'scheme');
      assert.ok(!error.message.includes('passwd'));
    });
  }

  it('refuses plain http to an origin the allow-list does not name, before any DNS query', async () => {
    const lookup = stubLookup(() => ['8.8.8.8']);
    await refusedWith(mcpSafeFetch('http://public.example/doc', { lookup }), 'insecure');
    await refusedWith(mcpSafeFetch('http://public.example/doc', { lookup, allow: ['https://public.example'] }), 'insecure');
    assert.equal(lookup.calls, 0);
  });

  it('refuses URLs with credentials and strings that are not URLs', async () => {
    await refusedWith(mcpSafeFetch('https://user:secret@public.example/'), 'invalid_url');
    const error = await refusedWith(mcpSafeFetch('not a url'), 'invalid_url');
    assert.ok(!error.message.includes('secret'));
  });

  it('keeps the query string (where secrets live) out of error messages', async () => {
    const error = await refusedWith(mcpSafeFetch('https://127.0.0.1/cb?access_token=s3cr3t'), 'blocked_address');
    assert.ok(!error.message.includes('s3cr3t'));
  });

  it('refuses invalid options with a TypeError naming the option', async () => {
    await assert.rejects(() => mcpSafeFetch('https://a.example/', { allow: ['10.0.0.0/33'] }), (e: Error) => e instanceof TypeError && /mcpSafeFetch: allow: entry "10.0.0.0\/33"/.test(e.message));
    await assert.rejects(() => mcpSafeFetch('https://a.example/', { allow: ['https://idp.example/path'] }), TypeError);
    await assert.rejects(() => mcpSafeFetch('https://a.example/', { timeoutMs: 0 }), /option "timeoutMs" must be an integer of at least 1/);
    await assert.rejects(() => mcpSafeFetch('https://a.example/', { redirect: 'always' as never }), /option "redirect"/);
  });
});

describe('mcpSafeFetch: DNS rebinding cannot move the connection (https on loopback, pinned address)', () => {
  let server: Server;
  let port: number;
  let hosts: string[] = [];
  before(async () => {
    server = createHttpsServer({ cert: TEST_TLS_CERT, key: TEST_TLS_KEY }, (req, res) => {
      hosts.push(req.headers.host ?? '');
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ served: 'by the checked address' }));
    });
    port = await listen(server);
  });
  after(() => close(server));

  // The range allows 127.0.0.1 only; 127.0.0.2 (what a second lookup would answer) is still refused, and nothing
  // listens there: a client that resolved again would fail to connect or be refused.
  const rebinding = () => stubLookup((_host, call) => (call === 1 ? ['127.0.0.1'] : ['127.0.0.2']));
  const options = (lookup: McpFetchLookup): McpSafeFetchOptions => ({ lookup, allow: ['127.0.0.1/32'], ca: TEST_TLS_CERT });

  it('resolves once, checks, and connects to the checked address while TLS verifies the host name', async () => {
    const lookup = rebinding();
    const before = sockets.length;
    const response = await mcpSafeFetch(`https://rebind.test:${port}/metadata?x=1`, options(lookup));
    assert.equal(response.status, 200);
    assert.deepEqual(response.json(), { served: 'by the checked address' });
    assert.equal(lookup.calls, 1, 'one resolution, no second query at connect time');
    assert.equal(response.address, '127.0.0.1');
    assert.deepEqual(sockets.slice(before).filter((s) => s.host), [{ host: '127.0.0.1', port }]);
    assert.equal(hosts.at(-1), `rebind.test:${port}`, 'the request still names the host');
  });

  it('a second fetch resolves again and is refused when the name now points elsewhere', async () => {
    const lookup = rebinding();
    await mcpSafeFetch(`https://rebind.test:${port}/`, options(lookup));
    await refusedWith(mcpSafeFetch(`https://rebind.test:${port}/`, options(lookup)), 'blocked_address');
  });

  it('the certificate is still checked against the host name (pinning the address does not skip TLS verification)', async () => {
    const lookup = stubLookup(() => ['127.0.0.1']);
    await failedWith(mcpSafeFetch(`https://other-name.test:${port}/`, options(lookup)), 'network');
    await failedWith(mcpSafeFetch(`https://rebind.test:${port}/`, { lookup, allow: ['127.0.0.1/32'] }), 'network'); // untrusted CA
  });

  it('an allow-listed range does not permit plain http', async () => {
    await refusedWith(mcpSafeFetch(`http://rebind.test:${port}/`, options(stubLookup(() => ['127.0.0.1']))), 'insecure');
  });
});

describe('mcpSafeFetch: redirects', () => {
  let server: Server;
  let other: Server;
  let origin: string;
  let otherOrigin: string;
  const seen: IncomingHttpHeaders[] = [];
  const route: RequestListener = (req, res) => {
    seen.push(req.headers);
    const go = (location: string) => res.writeHead(302, { location }).end();
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/to-metadata') return go('https://169.254.169.254/latest/meta-data/');
    if (url.pathname === '/to-mapped') return go('https://[::ffff:a9fe:a9fe]/');
    if (url.pathname === '/to-internal-name') return go('https://internal.example/admin');
    if (url.pathname === '/to-file') return go('file:///etc/passwd');
    if (url.pathname === '/to-http') return go('http://public.example/');
    if (url.pathname === '/loop') return go('/loop');
    if (url.pathname === '/to-same') return go('/final');
    if (url.pathname === '/to-other') return go(`${otherOrigin}/final`);
    if (url.pathname === '/post-303') return res.writeHead(303, { location: '/final' }).end();
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ method: req.method, authorization: req.headers.authorization ?? null }));
  };
  before(async () => {
    server = createHttpServer(route);
    other = createHttpServer(route);
    origin = `http://127.0.0.1:${await listen(server)}`;
    otherOrigin = `http://127.0.0.1:${await listen(other)}`;
  });
  after(async () => {
    await close(server);
    await close(other);
  });

  const lookup = stubLookup((host) => (host === 'internal.example' ? ['10.0.0.5'] : ['93.184.216.34']));

  it('refuses any redirect by default, even to the same origin', async () => {
    await refusedWith(mcpSafeFetch(`${origin}/to-same`, { allow: [origin] }), 'redirect');
    await refusedWith(mcpSafeFetch(`${origin}/to-metadata`, { allow: [origin] }), 'redirect');
  });

  it('re-checks every hop when following: redirects to metadata, mapped, internal names, other schemes and http are refused', async () => {
    const before = sockets.length;
    const follow = { allow: [origin], redirect: 'follow' as const, lookup };
    await refusedWith(mcpSafeFetch(`${origin}/to-metadata`, follow), 'blocked_address');
    await refusedWith(mcpSafeFetch(`${origin}/to-mapped`, follow), 'blocked_address');
    await refusedWith(mcpSafeFetch(`${origin}/to-internal-name`, follow), 'blocked_address');
    await refusedWith(mcpSafeFetch(`${origin}/to-file`, follow), 'scheme');
    await refusedWith(mcpSafeFetch(`${origin}/to-http`, follow), 'insecure');
    const reached = sockets.slice(before).filter((s) => s.host).map((s) => s.host);
    assert.deepEqual([...new Set(reached)], ['127.0.0.1'], 'only the allow-listed server was ever contacted');
  });

  it('stops after maxRedirects', async () => {
    await refusedWith(mcpSafeFetch(`${origin}/loop`, { allow: [origin], redirect: 'follow', maxRedirects: 2 }), 'too_many_redirects');
  });

  it('follows allowed hops, turns POST into GET on 303, and drops credentials across origins', async () => {
    const same = await mcpSafeFetch(`${origin}/to-same`, { allow: [origin], redirect: 'follow', headers: { Authorization: 'Bearer kept' } });
    assert.deepEqual(same.json(), { method: 'GET', authorization: 'Bearer kept' });
    assert.equal(same.url, `${origin}/final`);
    const cross = await mcpSafeFetch(`${origin}/to-other`, { allow: [origin, otherOrigin], redirect: 'follow', headers: { Authorization: 'Bearer dropped' } });
    assert.deepEqual(cross.json(), { method: 'GET', authorization: null });
    const posted = await mcpSafeFetch(`${origin}/post-303`, { allow: [origin], redirect: 'follow', method: 'POST', body: 'x=1' });
    assert.deepEqual(posted.json(), { method: 'GET', authorization: null });
  });

  it('returns the 3xx itself with redirect: manual', async () => {
    const response = await mcpSafeFetch(`${origin}/to-metadata`, { allow: [origin], redirect: 'manual' });
    assert.equal(response.status, 302);
    assert.equal(response.headers.get('location'), 'https://169.254.169.254/latest/meta-data/');
  });
});

describe('mcpSafeFetch: size and time limits (allow-listed loopback servers)', () => {
  let server: Server;
  let origin: string;
  let written = 0;
  const open = new Set<Socket>();
  before(async () => {
    server = createHttpServer((req, res) => {
      if (req.url === '/huge-chunked') {
        // Streams 8 MiB without Content-Length; counts what the client let it write.
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        const chunk = Buffer.alloc(64 * 1024, 97);
        let left = 128;
        const pump = () => {
          while (left > 0) {
            left--;
            written += chunk.length;
            if (!res.write(chunk)) return void res.once('drain', pump);
          }
          res.end();
        };
        res.on('error', () => undefined);
        pump();
      } else if (req.url === '/declared-huge') {
        res.writeHead(200, { 'content-length': String(50 * 1024 * 1024) });
        res.write('x');
      } else if (req.url === '/slow-body') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"partial":');
      } else if (req.url === '/silent') {
        // Accepts and never answers.
      } else {
        res.end('small');
      }
    });
    server.on('connection', (socket) => {
      open.add(socket);
      socket.on('close', () => open.delete(socket));
    });
    origin = `http://127.0.0.1:${await listen(server)}`;
  });
  after(async () => {
    for (const socket of open) socket.destroy();
    await close(server);
  });

  it('aborts a streamed body once it passes maxBytes, long before the server is done', async () => {
    written = 0;
    const error = await failedWith(mcpSafeFetch(`${origin}/huge-chunked`, { allow: [origin], maxBytes: 100_000 }), 'too_large');
    assert.match(error.message, /100000/);
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.ok(written < 4 * 1024 * 1024, `the download was cut short (${written} bytes written of 8 MiB)`);
  });

  it('refuses a declared Content-Length over maxBytes without reading the body', async () => {
    await failedWith(mcpSafeFetch(`${origin}/declared-huge`, { allow: [origin], maxBytes: 1024 }), 'too_large');
  });

  it('gives up on a body that stops arriving after timeoutMs', async () => {
    const started = Date.now();
    await failedWith(mcpSafeFetch(`${origin}/slow-body`, { allow: [origin], timeoutMs: 300 }), 'timeout');
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= 250 && elapsed < 2000, `${elapsed} ms`);
  });

  it('gives up on a server that never answers after timeoutMs', async () => {
    const started = Date.now();
    await failedWith(mcpSafeFetch(`${origin}/silent`, { allow: [origin], timeoutMs: 300 }), 'timeout');
    assert.ok(Date.now() - started < 2000);
  });

  it('gives up on a TLS handshake that never completes after connectTimeoutMs', async () => {
    const tcp = createTcpServer((socket) => open.add(socket)); // accepts TCP, never speaks TLS
    const port = await listen(tcp as unknown as Server);
    try {
      const started = Date.now();
      const lookup = stubLookup(() => ['127.0.0.1']);
      await failedWith(
        mcpSafeFetch(`https://safe-fetch.test:${port}/`, { lookup, allow: ['127.0.0.1/32'], ca: TEST_TLS_CERT, connectTimeoutMs: 200, timeoutMs: 5000 }),
        'connect_timeout',
      );
      assert.ok(Date.now() - started < 2000);
    } finally {
      for (const socket of open) socket.destroy();
      await close(tcp as unknown as Server);
    }
  });

  it('stops when the caller aborts', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    await failedWith(mcpSafeFetch(`${origin}/silent`, { allow: [origin], signal: controller.signal }), 'aborted');
  });

  it('reads a small answer from an allow-listed http origin', async () => {
    const response = await mcpSafeFetch(`${origin}/ok`, { allow: [origin] });
    assert.equal(response.ok, true);
    assert.equal(response.text(), 'small');
    assert.equal(response.address, '127.0.0.1');
  });
});
