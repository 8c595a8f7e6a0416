import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  InitializeRequestSchema,
  LATEST_PROTOCOL_VERSION,
  SetLevelRequestSchema,
  SUPPORTED_PROTOCOL_VERSIONS,
} from '@modelcontextprotocol/sdk/types.js';
import { initializeVersion, logLevel } from '../../src/protocol/mcp-method.table.js';
import { LATEST_VERSION, SUPPORTED_VERSIONS } from '../../src/protocol/mcp-versions.js';

/**
 * The method table checks `initialize` and `logging/setLevel` params by hand (the HTTP path never loads the SDK);
 * these hold the checks to the SDK's own request schemas, and the version list to the SDK's.
 */
const accepts = (check: (params: Record<string, unknown>) => unknown, params: Record<string, unknown>) => {
  try {
    check(params);
    return true;
  } catch {
    return false;
  }
};

const junk = fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.constant([]), fc.string({ maxLength: 3 }));
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
const clientInfo = fc.oneof(
  fc.record(
    {
      name: fc.oneof(fc.string({ maxLength: 5 }), junk),
      version: fc.oneof(fc.string({ maxLength: 5 }), junk),
      title: fc.oneof(fc.string({ maxLength: 5 }), junk),
      websiteUrl: fc.oneof(fc.string({ maxLength: 5 }), junk),
    },
    { requiredKeys: [] },
  ),
  junk,
);
// Members of `capabilities` are not checked by hand (the server never reads them): only whole values vary here.
const capabilities = fc.oneof(fc.constant({}), fc.constant({ roots: { listChanged: true } }), fc.constant({ sampling: {} }), junk);
const meta = fc.oneof(fc.constant({}), fc.constant({ progressToken: 1 }), junk);

describe('method params checked by hand', () => {
  it('initialize: the same verdict as the SDK schema (property, 5,000 params)', () => {
    fc.assert(
      fc.property(
        fc.record(
          { protocolVersion: fc.oneof(fc.constantFrom(...SUPPORTED_PROTOCOL_VERSIONS), fc.string({ maxLength: 4 }), junk), capabilities, clientInfo, _meta: meta },
          { requiredKeys: [] },
        ),
        (params) => {
          const sdk = InitializeRequestSchema.safeParse({ method: 'initialize', params }).success;
          assert.equal(accepts(initializeVersion, params), sdk, JSON.stringify(params));
        },
      ),
      { numRuns: 5_000 },
    );
  });

  it('logging/setLevel: the same verdict as the SDK schema', () => {
    fc.assert(
      fc.property(fc.record({ level: fc.oneof(fc.constantFrom('debug', 'info', 'notice', 'warning', 'error', 'critical', 'alert', 'emergency'), fc.string({ maxLength: 6 }), junk), _meta: maybe(meta) }, { requiredKeys: [] }), (params) => {
        const sdk = SetLevelRequestSchema.safeParse({ method: 'logging/setLevel', params }).success;
        assert.equal(accepts(logLevel, params), sdk, JSON.stringify(params));
      }),
      { numRuns: 2_000 },
    );
  });

  it('the supported protocol versions are the SDK\'s, newest first', () => {
    assert.deepEqual([...SUPPORTED_VERSIONS], [...SUPPORTED_PROTOCOL_VERSIONS]);
    assert.equal(LATEST_VERSION, LATEST_PROTOCOL_VERSION);
  });
});
