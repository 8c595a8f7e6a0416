import { CharClass, compileProgram, runProgram, type Segment } from './uri-template.machine.js';

/** The variables of a matched URI: a string, or the items of an exploded (`*`) variable holding commas. */
export type UriVariables = Record<string, string | string[]>;

/** How specific a template is: registries try more specific templates first (see `compareSpecificity`). */
export interface UriTemplateSpecificity {
  /** Characters of literal text outside the expressions. */
  readonly literalChars: number;
  /** Expressions with the `+` or `#` operator, whose values may hold almost anything. */
  readonly reservedExpressions: number;
}

/** A compiled RFC 6570 template that matches concrete URIs back to their variables. */
export interface UriMatcher {
  readonly variableNames: readonly string[];
  readonly specificity: UriTemplateSpecificity;
  /** The variables, undecoded (as the URI spells them), or null. Linear in the URI's length. */
  match(uri: string): UriVariables | null;
}

/** A template with two expressions side by side (`{a}{b}`): no URI shows where one value ends. */
export class AmbiguousUriTemplateError extends Error {
  constructor(
    readonly first: string,
    readonly second: string,
  ) {
    super(`${first} is directly followed by ${second}`);
  }
}

/** Negative when `a` is more specific than `b`: more literal text, then fewer reserved expressions; else 0. */
export function compareSpecificity(a: UriTemplateSpecificity, b: UriTemplateSpecificity): number {
  return b.literalChars - a.literalChars || a.reservedExpressions - b.reservedExpressions;
}

interface Operator {
  /** Before the first value of the expression. */
  readonly first: string;
  /** Between values of a multi-variable expression. */
  readonly separator: string;
  /** Each value follows `name=`. */
  readonly named: boolean;
  readonly charClass: CharClass;
  /** `*`: 'list' = comma-separated items, 'split' = any value, split on commas; 'none' = no effect. */
  readonly explode: 'list' | 'split' | 'none';
}

// Values and explode follow the SDK's matcher, so existing templates match as before. Where it reads nothing
// sensible (`#` without its `#`, `;`, several variables in a non-query expression, `*` on only some variables
// of a query, which it applies to all) RFC 6570's expansion decides.
const OPERATORS: Readonly<Record<string, Operator>> = {
  '': { first: '', separator: ',', named: false, charClass: CharClass.NoSlashComma, explode: 'list' },
  '+': { first: '', separator: ',', named: false, charClass: CharClass.Any, explode: 'split' },
  '#': { first: '#', separator: ',', named: false, charClass: CharClass.Any, explode: 'split' },
  '.': { first: '.', separator: '.', named: false, charClass: CharClass.NoSlashComma, explode: 'none' },
  '/': { first: '/', separator: '/', named: false, charClass: CharClass.NoSlashComma, explode: 'list' },
  ';': { first: ';', separator: ';', named: true, charClass: CharClass.NoSlashSemicolonComma, explode: 'list' },
  '?': { first: '?', separator: '&', named: true, charClass: CharClass.NoAmpersand, explode: 'split' },
  '&': { first: '&', separator: '&', named: true, charClass: CharClass.NoAmpersand, explode: 'split' },
};

const EXPRESSION = /\{([^{}]*)\}/g;
const VARSPEC = /^(([A-Za-z0-9_]|%[0-9A-Fa-f]{2})+(\.([A-Za-z0-9_]|%[0-9A-Fa-f]{2})+)*)(\*|:[1-9][0-9]{0,3})?$/;

interface Capture {
  readonly name: string;
  readonly split: boolean;
}

/**
 * Compiles a URI template once, at bootstrap. Throws with the reason when it is not RFC 6570's shape or has no
 * variable, and `AmbiguousUriTemplateError` when two expressions touch and the second has no leading character.
 */
export function compileUriTemplate(template: string): UriMatcher {
  if (template.replace(EXPRESSION, '').match(/[{}]/)) throw new Error('its braces are unbalanced');
  const segments: Segment[] = [];
  const captures: Capture[] = [];
  let literal = '';
  let literalChars = 0;
  let reservedExpressions = 0;
  let previous = '';
  let cursor = 0;
  const capture = (expression: string, name: string, operator: Operator, exploded: boolean) => {
    if (literal) segments.push({ literal });
    else if (segments.length && 'capture' in segments[segments.length - 1]) {
      throw new AmbiguousUriTemplateError(previous, expression);
    }
    literal = '';
    const explode = exploded ? operator.explode : 'none';
    segments.push({ capture: captures.length, charClass: operator.charClass, list: explode === 'list' });
    captures.push({ name, split: explode !== 'none' });
    previous = expression;
  };
  for (const match of template.matchAll(EXPRESSION)) {
    literal += template.slice(cursor, match.index);
    literalChars += match.index - cursor;
    cursor = match.index + match[0].length;
    const body = match[1];
    const key = body.length > 0 && '+#./;?&'.includes(body[0]) ? body[0] : '';
    const operator = OPERATORS[key];
    if (key === '+' || key === '#') reservedExpressions++;
    const varspecs = body.slice(key.length).split(',');
    varspecs.forEach((varspec, index) => {
      const parsed = VARSPEC.exec(varspec);
      if (!parsed) throw new Error(`"${varspec}" is not a valid variable name`);
      // A prefix (`:n`) only truncates on expansion: the URI holds the value, read as it comes.
      const name = parsed[1];
      literal += (index === 0 ? operator.first : operator.separator) + (operator.named ? `${name}=` : '');
      capture(match[0], name, operator, parsed[5] === '*');
    });
  }
  literal += template.slice(cursor);
  literalChars += template.length - cursor;
  if (literal) segments.push({ literal });
  if (!captures.length) throw new Error('it has no {variable}');

  const program = compileProgram(segments, captures.length);
  const head = 'literal' in segments[0] ? segments[0].literal : '';
  const last = segments[segments.length - 1];
  const tail = 'literal' in last ? last.literal : '';
  // Every value holds at least one character, as in the SDK.
  const minLength = segments.reduce((sum, s) => sum + ('literal' in s ? s.literal.length : 1), 0);
  const variableNames = Object.freeze([...new Set(captures.map((c) => c.name))]);
  const specificity = Object.freeze({ literalChars, reservedExpressions });

  return {
    variableNames,
    specificity,
    match(uri: string): UriVariables | null {
      // Cheap refusals first; they are implied by the program anyway.
      if (uri.length < minLength || !uri.startsWith(head) || !uri.endsWith(tail)) return null;
      const slots = runProgram(program, uri);
      if (!slots) return null;
      const variables: UriVariables = {};
      captures.forEach(({ name, split }, i) => {
        const value = uri.slice(slots[2 * i], slots[2 * i + 1]);
        // Defined, not assigned: a variable named __proto__ stays a plain property.
        Object.defineProperty(variables, name, {
          value: split && value.includes(',') ? value.split(',') : value,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      });
      return variables;
    },
  };
}
