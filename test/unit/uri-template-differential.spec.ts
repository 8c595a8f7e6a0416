import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UriTemplate } from '@modelcontextprotocol/sdk/shared/uriTemplate.js';
import fc from 'fast-check';
import { compileUriTemplate } from '../../src/discovery/uri-template.js';

/**
 * Differential test: on generated templates and URIs, compileUriTemplate must agree with the SDK's regex matcher
 * (match or not, and the variables). Both prefer longer values first, so no URI needs to be avoided, ambiguous-
 * looking ones (`x-y-z` for `{a}-{b}`) included. The generator leaves out only what we deliberately do otherwise
 * (see uri-template.spec.ts): `{#a}` (the SDK drops the `#`), `{;a}` (no such operator there), `{a:3}` (the SDK
 * keeps `:3` in the name), several variables in a non-query expression (the SDK reads only the first), an
 * explode on some but not all variables of a query (the SDK applies it to all), and templates we refuse at
 * bootstrap: an expression right after another one without a leading character (`{a}{b}`).
 */

const SEED = 42;
const NAMES = ['a', 'b', 'id', 'x.y', 'v_1'];
/** Characters that separate, start or end values under some operator, plus plain ones. */
const URI_UNITS = ['a', 'b', 'z', '-', '.', '/', ',', '?', '&', '=', '#', ';', '%', ':', '\n'];
const LITERAL_UNITS = ['a', 'b', '-', '.', '/', ',', '?', '&', '=', '#', ':', '%', ';'];

interface Expression {
  readonly op: '' | '+' | '.' | '/' | '?' | '&';
  readonly names: readonly string[];
  readonly explode: boolean;
  /** Literal text after the expression. */
  readonly after: string;
}

interface Shape {
  readonly head: string;
  readonly expressions: readonly Expression[];
}

const literalArb = (maxLength: number) => fc.string({ unit: fc.constantFrom(...LITERAL_UNITS), maxLength });

const expressionArb: fc.Arbitrary<Expression> = fc.record({
  op: fc.constantFrom('' as const, '+' as const, '.' as const, '/' as const, '?' as const, '&' as const),
  names: fc.array(fc.constantFrom(...NAMES), { minLength: 1, maxLength: 3 }),
  explode: fc.boolean(),
  after: literalArb(3),
}).map((e) => (e.op === '?' || e.op === '&' ? e : { ...e, names: e.names.slice(0, 1) }));

const shapeArb: fc.Arbitrary<Shape> = fc
  .record({ head: fc.oneof(fc.constant('s://'), literalArb(4)), expressions: fc.array(expressionArb, { minLength: 1, maxLength: 4 }) })
  .map(({ head, expressions }) => ({
    head,
    // An unprefixed expression right after another one is refused at bootstrap: put a literal between them.
    expressions: expressions.map((e, i) => {
      const next = expressions[i + 1];
      return next && !e.after && (next.op === '' || next.op === '+') ? { ...e, after: '-' } : e;
    }),
  }));

function templateOf({ head, expressions }: Shape): string {
  const spell = (e: Expression) => `{${e.op}${e.names.map((n) => n + (e.explode ? '*' : '')).join(',')}}`;
  return head + expressions.map((e) => spell(e) + e.after).join('');
}

const valueArb = fc.string({ unit: fc.constantFrom(...URI_UNITS), maxLength: 6 });

/** A URI spelled the way the template expands (with values that may break it), then perhaps altered once. */
function expandedUriArb(shape: Shape): fc.Arbitrary<string> {
  const expressionUris = shape.expressions.map((e) =>
    fc.array(valueArb, { minLength: e.names.length, maxLength: e.names.length }).map((values) => {
      const body =
        e.op === '?' || e.op === '&'
          ? e.op + e.names.map((name, i) => `${name}=${values[i]}`).join('&')
          : (e.op === '.' || e.op === '/' ? e.op : '') + values[0];
      return body + e.after;
    }),
  );
  const uri = fc.tuple(...expressionUris).map((parts) => shape.head + parts.join(''));
  return fc.tuple(uri, fc.nat(), fc.constantFrom('keep', 'insert', 'delete'), fc.constantFrom(...URI_UNITS)).map(
    ([text, at, edit, unit]) => {
      const i = at % (text.length + 1);
      if (edit === 'insert') return text.slice(0, i) + unit + text.slice(i);
      if (edit === 'delete') return text.slice(0, i) + text.slice(i + 1);
      return text;
    },
  );
}

/** A URI made of the template's own pieces and stray characters, in any order. */
function piecesUriArb(shape: Shape): fc.Arbitrary<string> {
  const pieces = [shape.head, ...shape.expressions.flatMap((e) => [e.op, e.after, ...e.names.map((n) => `${n}=`)])].filter(Boolean);
  return fc.array(fc.oneof(fc.constantFrom(...pieces), fc.constantFrom(...URI_UNITS)), { maxLength: 14 }).map(
    (parts) => shape.head + parts.join(''),
  );
}

const caseArb = shapeArb.chain((shape) =>
  fc.tuple(fc.constant(templateOf(shape)), fc.oneof({ weight: 3, arbitrary: expandedUriArb(shape) }, piecesUriArb(shape))),
);

describe('compileUriTemplate agrees with the SDK matcher', () => {
  it('on generated templates and URIs: match or not, and the variables', () => {
    let matched = 0;
    fc.assert(
      fc.property(caseArb, ([template, uri]) => {
        const sdk = new UriTemplate(template);
        const ours = compileUriTemplate(template);
        assert.deepEqual(ours.variableNames, [...new Set(sdk.variableNames)]);
        const expected = sdk.match(uri);
        assert.deepEqual(ours.match(uri), expected, `${template} on ${JSON.stringify(uri)}`);
        if (expected) matched++;
      }),
      { seed: SEED, numRuns: 4_000 },
    );
    // The generator must exercise matches, not only refusals.
    assert.ok(matched > 400, `only ${matched} of 4000 generated URIs matched`);
  });

  it('on hand-picked URIs where several splits are possible', () => {
    const cases: Array<[string, string]> = [
      ['pair://{a}-{b}', 'pair://x-y-z'],
      ['files://{name}{.ext}', 'files://archive.tar.gz'],
      ['x://{a}.{b}.json', 'x://1.2.3.json.json'],
      ['f://{+path}/{name}', 'f://a/b/c'],
      ['r://{owner}/{+path}', 'r://o/a/b/c'],
      ['q://{+path}{?x,y}', 'q://p?x=1?x=2&y=3'],
      ['e://{list*}-{b}', 'e://a,b-c,d-e'],
      ['t://{+a}.{+b}', 't://1.2.3'],
    ];
    for (const [template, uri] of cases) {
      const expected = new UriTemplate(template).match(uri);
      assert.notEqual(expected, null, `${template} on ${uri}`);
      assert.deepEqual(compileUriTemplate(template).match(uri), expected, `${template} on ${uri}`);
    }
  });
});
