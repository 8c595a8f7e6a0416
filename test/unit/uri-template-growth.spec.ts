import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { describe, it } from 'node:test';
import { UriTemplate } from '@modelcontextprotocol/sdk/shared/uriTemplate.js';
import { compileUriTemplate } from '../../src/discovery/uri-template.js';

/**
 * ReDoS guard: matching time must grow linearly with the URI. Each case times a crafted URI at 2k and at 16k
 * characters and asserts the ratio stays far below quadratic (linear 8, quadratic 64). A ratio, not a time, as
 * the machine is shared. `URI_MATCHER=sdk` runs the same cases against the SDK's regex matcher, which fails them.
 */

const SDK = process.env.URI_MATCHER === 'sdk';
const SMALL = 2_000;
const LARGE = 16_000;
const LIMIT = 24;

type Match = (uri: string) => unknown;

const compile = (template: string): Match => {
  if (!SDK) return compileUriTemplate(template).match;
  const sdk = new UriTemplate(template);
  return (uri) => sdk.match(uri);
};

interface Case {
  readonly template: string;
  /** A URI of about n characters that the template does not match, built to backtrack most. */
  readonly miss: (n: number) => string;
  /** A URI of about n characters that it matches, built to keep most candidate splits alive. */
  readonly hit: (n: number) => string;
  /** Why the case is skipped against the SDK. */
  readonly notSdk?: string;
}

const CASES: Case[] = [
  { template: 'files://{name}{.ext}', miss: (n) => `files://${'.'.repeat(n)}/`, hit: (n) => `files://${'.'.repeat(n)}x` },
  { template: 'pair://{a}-{b}', miss: (n) => `pair://${'-'.repeat(n)}/`, hit: (n) => `pair://${'a-'.repeat(n / 2)}b` },
  { template: 'x://{a}.{b}.json', miss: (n) => `x://${'.'.repeat(n)}/.json`, hit: (n) => `x://${'.'.repeat(n)}a.json` },
  { template: 'q://{+path}{?x,y}', miss: (n) => `q://${'?x='.repeat(n / 3)}`, hit: (n) => `q://${'?x='.repeat(n / 3)}&y=1` },
  { template: 'r://{+a}.{+b}', miss: (n) => `r://${'.'.repeat(n)}\n`, hit: (n) => `r://${'.'.repeat(n)}x` },
  { template: 'e://{list*}-{b}', miss: (n) => `e://${'-'.repeat(n)}/`, hit: (n) => `e://${'a-,'.repeat(n / 3)}a-b` },
  { template: 'f://{+path}/{name}', miss: (n) => `f://${'/'.repeat(n)},`, hit: (n) => `f://${'/a'.repeat(n / 2)}` },
  { template: 'k://{&a}{?b}', miss: (n) => `k://&a=${'?b='.repeat(n / 3)}&`, hit: (n) => `k://&a=${'?b='.repeat(n / 3)}` },
  { template: 'd://{a}{.b}{.c}', miss: (n) => `d://${'.'.repeat(n)}/`, hit: (n) => `d://${'.'.repeat(n)}x`, notSdk: 'cubic there' },
  { template: 's://{;p}{;q}', miss: (n) => `s://;p=${'x'.repeat(n)};q=`, hit: (n) => `s://;p=${'x'.repeat(n)};q=y`, notSdk: 'no ; operator there' },
];

/** The fastest time per match over several batches (the least disturbed by other load). */
function timePerMatch(match: Match, uri: string, reps: number): number {
  let best = Infinity;
  for (let batch = 0; batch < 5; batch++) {
    const start = performance.now();
    for (let i = 0; i < reps; i++) match(uri);
    best = Math.min(best, (performance.now() - start) / reps);
  }
  return best;
}

/** How many times longer a 16k URI takes than a 2k one. */
function growth(match: Match, uriOf: (n: number) => string): number {
  const small = uriOf(SMALL);
  const large = uriOf(LARGE);
  for (let i = 0; i < 3; i++) match(small); // warm up the compiled code
  const once = timePerMatch(match, small, 1);
  // Batches of at least ~4 ms at 2k, the same number of characters at 16k.
  const reps = Math.min(2_000, Math.max(8, Math.ceil(4 / Math.max(once, 1e-3))));
  const smallTime = timePerMatch(match, small, reps);
  const largeTime = timePerMatch(match, large, Math.max(1, Math.round(reps / 8)));
  return largeTime / smallTime;
}

describe(`resource template matching grows linearly with the URI (${SDK ? "the SDK's matcher" : 'compileUriTemplate'})`, () => {
  for (const { template, miss, hit, notSdk } of CASES) {
    it(template, { skip: SDK && notSdk ? notSdk : false }, (t) => {
      const match = compile(template);
      assert.equal(match(miss(SMALL)), null, 'the crafted miss does not match');
      assert.notEqual(match(hit(SMALL)), null, 'the crafted hit matches');
      const missRatio = growth(match, miss);
      const hitRatio = growth(match, hit);
      t.diagnostic(`16k/2k: miss ${missRatio.toFixed(1)}, hit ${hitRatio.toFixed(1)}`);
      assert.ok(missRatio < LIMIT, `a non-matching URI 8x longer took ${missRatio.toFixed(1)}x as long`);
      assert.ok(hitRatio < LIMIT, `a matching URI 8x longer took ${hitRatio.toFixed(1)}x as long`);
    });
  }
});
