import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { describe, it } from 'node:test';
import { effectiveHost, isHostAllowed } from '../../src/transport/host.policy.js';

const request = (host: string, forwarded: string | undefined, peer: string) =>
  ({ headers: { host, ...(forwarded && { 'x-forwarded-host': forwarded }) }, socket: { remoteAddress: peer } }) as unknown as IncomingMessage;

describe('Host policy (DNS rebinding)', () => {
  it('believes X-Forwarded-Host only from a trusted proxy, also when the peer address is IPv4-mapped', () => {
    assert.equal(effectiveHost(request('proxy.internal', 'api.example.com', '::ffff:10.0.0.1'), ['10.0.0.1']), 'api.example.com');
    assert.equal(effectiveHost(request('proxy.internal', 'api.example.com', '10.0.0.1'), ['10.0.0.1']), 'api.example.com');
    // an untrusted peer cannot choose the host the checks see
    assert.equal(effectiveHost(request('evil.example', 'localhost', '::ffff:10.0.0.2'), ['10.0.0.1']), 'evil.example');
    assert.equal(effectiveHost(request('evil.example', 'localhost', '10.0.0.1'), []), 'evil.example');
  });

  it('requires a loopback host name on loopback, an allowed one with a list, and nothing with "*"', () => {
    assert.equal(isHostAllowed('evil.example:3000', '127.0.0.1', []), false);
    assert.equal(isHostAllowed('localhost:3000', '::1', []), true);
    assert.equal(isHostAllowed('[::1]:3000', '::ffff:127.0.0.1', []), true);
    assert.equal(isHostAllowed('evil.example', '10.1.2.3', []), true);
    assert.equal(isHostAllowed('evil.example', '10.1.2.3', ['api.example.com']), false);
    assert.equal(isHostAllowed('API.example.com:443', '10.1.2.3', ['api.example.com']), true);
    assert.equal(isHostAllowed(undefined, '127.0.0.1', []), false);
    assert.equal(isHostAllowed('evil.example', '127.0.0.1', ['*']), true);
  });
});
