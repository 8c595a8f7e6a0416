import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  AmbiguousUriTemplateError,
  compareSpecificity,
  compileUriTemplate,
  type UriVariables,
} from '../../src/discovery/uri-template.js';

const match = (template: string, uri: string) => compileUriTemplate(template).match(uri);

describe('compileUriTemplate: operators', () => {
  const cases: Array<[template: string, uri: string, expected: UriVariables | null]> = [
    ['notes://{id}', 'notes://42', { id: '42' }],
    ['notes://{id}', 'notes://4/2', null],
    ['notes://{id}', 'notes://', null],
    ['notes://{id}', 'notes://a,b', null],
    ['notes://{ids*}', 'notes://a,b,c', { ids: ['a', 'b', 'c'] }],
    ['notes://{ids*}', 'notes://a', { ids: 'a' }],
    ['notes://{ids*}', 'notes://a,,b', null],
    ['files://{+path}', 'files://a/b,c?d#e', { path: 'a/b,c?d#e' }],
    ['files://{+path}', 'files://a\nb', null],
    ['files://{+path*}', 'files://a/b,c', { path: ['a/b', 'c'] }],
    ['files://{name}{.ext}', 'files://archive.tar.gz', { name: 'archive.tar', ext: 'gz' }],
    ['files://x{/a}{/b}', 'files://x/1/2', { a: '1', b: '2' }],
    ['files://x{/seg*}', 'files://x/1,2', { seg: ['1', '2'] }],
    ['search://all{?q,limit}', 'search://all?q=cats&limit=5', { q: 'cats', limit: '5' }],
    ['search://all{?q,limit}', 'search://all?limit=5&q=cats', null],
    ['search://all{?q}{&page}', 'search://all?q=a=b&page=2', { q: 'a=b', page: '2' }],
    ['search://all{?tags*}', 'search://all?tags=a,b', { tags: ['a', 'b'] }],
    ['pair://{a}-{b}', 'pair://x-y-z', { a: 'x-y', b: 'z' }],
    ['repo://{owner}/{+path}', 'repo://o/a/b', { owner: 'o', path: 'a/b' }],
    ['files://{+path}/{name}', 'files://a/b/c', { path: 'a/b', name: 'c' }],
    // Where the SDK's matcher reads nothing sensible, RFC 6570's expansion decides.
    ['docs://{+page}{#section}', 'docs://a/b#intro', { page: 'a/b', section: 'intro' }],
    ['docs://p{#section}', 'docs://pintro', null],
    ['m://x{;v,w}', 'm://x;v=1;w=2', { v: '1', w: '2' }],
    ['m://x{;list*}', 'm://x;list=1,2', { list: ['1', '2'] }],
    ['m://{a,b}', 'm://1,2', { a: '1', b: '2' }],
    ['m://{a,b}', 'm://1', null],
    ['m://x{/a,b}', 'm://x/1/2', { a: '1', b: '2' }],
    ['m://x{.a,b}', 'm://x.1.2', { a: '1', b: '2' }],
    ['m://{+a,b}', 'm://1/2,3', { a: '1/2', b: '3' }],
    ['m://{code:3}', 'm://abcdef', { code: 'abcdef' }],
  ];
  for (const [template, uri, expected] of cases) {
    it(`${template} on ${JSON.stringify(uri)}`, () => assert.deepEqual(match(template, uri), expected));
  }

  it('leaves values percent-encoded, as the SDK does', () => {
    assert.deepEqual(match('notes://{id}', 'notes://a%20b%2Fc'), { id: 'a%20b%2Fc' });
  });

  it('keeps a variable named __proto__ an own property', () => {
    const variables = match('notes://{__proto__}', 'notes://x')!;
    assert.equal(Object.getPrototypeOf(variables), Object.prototype);
    assert.deepEqual(Object.entries(variables), [['__proto__', 'x']]);
  });

  it('names each variable once, without its modifiers', () => {
    assert.deepEqual(compileUriTemplate('m://{a*}/{b:3}{?c,a}').variableNames, ['a', 'b', 'c']);
  });
});

describe('compileUriTemplate: refused templates', () => {
  const refusal = (template: string): Error => {
    try {
      compileUriTemplate(template);
    } catch (error) {
      return error as Error;
    }
    assert.fail(`${template} was accepted`);
  };

  it('keeps the RFC 6570 shape checks', () => {
    assert.equal(refusal('notes://{id').message, 'its braces are unbalanced');
    assert.equal(refusal('notes://id}').message, 'its braces are unbalanced');
    assert.equal(refusal('notes://{note id}').message, '"note id" is not a valid variable name');
    assert.equal(refusal('notes://{}').message, '"" is not a valid variable name');
    assert.equal(refusal('notes://{a:0}').message, '"a:0" is not a valid variable name');
    assert.equal(refusal('notes://{=a}').message, '"=a" is not a valid variable name');
    assert.equal(refusal('notes://fixed').message, 'it has no {variable}');
  });

  it('refuses an expression right after another one that starts with no character', () => {
    for (const [template, first, second] of [
      ['x://{a}{b}', '{a}', '{b}'],
      ['x://{+path}{name}', '{+path}', '{name}'],
      ['x://{a}{+b}', '{a}', '{+b}'],
      ['x://{?q}{a}', '{?q}', '{a}'],
      ['x://{#f}{a}', '{#f}', '{a}'],
      ['x://{a*}{b}/c', '{a*}', '{b}'],
      ['x://{a}/{b}{c}', '{b}', '{c}'],
    ]) {
      const error = refusal(template);
      assert.ok(error instanceof AmbiguousUriTemplateError, template);
      assert.deepEqual([error.first, error.second], [first, second], template);
    }
  });

  it('accepts adjacent expressions when the second starts with its operator character', () => {
    for (const template of ['x://{a}{.b}', 'x://{a}{/b}', 'x://{a}{;b}', 'x://{+a}{?b}', 'x://{a}{&b}', 'x://{a}{#b}']) {
      assert.doesNotThrow(() => compileUriTemplate(template), template);
    }
  });
});

describe('compileUriTemplate: specificity', () => {
  const specificity = (template: string) => compileUriTemplate(template).specificity;

  it('counts literal characters outside the expressions and the reserved expressions', () => {
    assert.deepEqual(specificity('notes://{id}'), { literalChars: 8, reservedExpressions: 0 });
    assert.deepEqual(specificity('docs://{+page}{#section}.html'), { literalChars: 12, reservedExpressions: 2 });
    assert.deepEqual(specificity('q://x{?a,b}'), { literalChars: 5, reservedExpressions: 0 });
  });

  it('orders more literal characters first, then fewer reserved expressions', () => {
    const sorted = ['n://{+a}', 'n://{a}', 'n://x/{a}', 'n://{+a}{#b}', 'n://x/{+a}', 'n://{a}/{b}'].sort((a, b) =>
      compareSpecificity(specificity(a), specificity(b)),
    );
    assert.deepEqual(sorted, ['n://x/{a}', 'n://x/{+a}', 'n://{a}/{b}', 'n://{a}', 'n://{+a}', 'n://{+a}{#b}']);
    assert.equal(compareSpecificity(specificity('a://{x}'), specificity('b://{y}')), 0);
  });
});
