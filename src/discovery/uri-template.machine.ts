/**
 * The matching engine behind compiled URI templates: a Pike VM (Thompson NFA simulation with capture slots).
 * It walks the URI once, keeping at most one thread per program position, so a match costs
 * O(URI length × template size) whatever the input: no backtracking, no regular expression over the URI.
 * Threads are kept in priority order (greedy: a value prefers to grow), which yields the same captures as the
 * SDK's backtracking regular expressions, only without their quadratic worst case.
 */

/** What characters a value may hold. */
export const CharClass = {
  /** `[^/,]`: simple, label and path values. */
  NoSlashComma: 0,
  /** `.`: reserved and fragment values (anything but a line terminator, as in a regular expression). */
  Any: 1,
  /** `[^&]`: query and continuation values. */
  NoAmpersand: 2,
  /** `[^/;,]`: path-style parameter values. */
  NoSlashSemicolonComma: 3,
} as const;
export type CharClass = (typeof CharClass)[keyof typeof CharClass];

/** One piece of a template once its expressions are spelled out: literal text, or a variable's value. */
export type Segment =
  | { readonly literal: string }
  | { readonly capture: number; readonly charClass: CharClass; readonly list: boolean };

const Op = { Char: 0, Class: 1, Split: 2, Jump: 3, Save: 4, Match: 5 } as const;
type Op = (typeof Op)[keyof typeof Op];

/** A thread's next position after it consumes a character, and the capture slots set on the way there. */
interface Follow {
  readonly pc: number;
  readonly saves: readonly number[];
}

export interface Program {
  /** Per position; threads only rest on Char, Class and Match (moves between them are folded into `follows`). */
  readonly op: Uint8Array;
  /** Char: the UTF-16 code unit; Class: the class. */
  readonly arg: Int32Array;
  /** The positions a thread starts at. */
  readonly start: readonly Follow[];
  /** Per consuming position: where its thread goes next, in priority order. */
  readonly follows: ReadonlyArray<readonly Follow[]>;
  readonly slots: number;
}

/** Compiles segments into a program. Capture `i` fills slots `2i` (start) and `2i + 1` (end). */
export function compileProgram(segments: readonly Segment[], captures: number): Program {
  const op: number[] = [];
  const arg: number[] = [];
  const alt: number[] = [];
  const emit = (code: Op, a = 0, b = 0): number => {
    op.push(code);
    arg.push(a);
    alt.push(b);
    return op.length - 1;
  };
  for (const segment of segments) {
    if ('literal' in segment) {
      for (let i = 0; i < segment.literal.length; i++) emit(Op.Char, segment.literal.charCodeAt(i));
      continue;
    }
    emit(Op.Save, 2 * segment.capture);
    // `c+`, or for an exploded list `c+(,c+)*`; both greedy, as the SDK's patterns are.
    const item = emit(Op.Class, segment.charClass);
    const more = emit(Op.Split, item);
    if (segment.list) {
      const another = emit(Op.Split);
      emit(Op.Char, 0x2c);
      emit(Op.Jump, item);
      arg[another] = another + 1;
      alt[another] = op.length;
      alt[more] = another;
    } else {
      alt[more] = op.length;
    }
    emit(Op.Save, 2 * segment.capture + 1);
  }
  emit(Op.Match);

  // The positions reachable without consuming, preferred first; a position reached twice keeps its first path.
  const closure = (from: number): Follow[] => {
    const out: Follow[] = [];
    const visited = new Set<number>();
    const walk = (pc: number, saves: readonly number[]): void => {
      if (visited.has(pc)) return;
      visited.add(pc);
      if (op[pc] === Op.Jump) return walk(arg[pc], saves);
      if (op[pc] === Op.Split) {
        walk(arg[pc], saves);
        return walk(alt[pc], saves);
      }
      if (op[pc] === Op.Save) return walk(pc + 1, [...saves, arg[pc]]);
      out.push({ pc, saves });
    };
    walk(from, []);
    return out;
  };
  const follows = op.map((code, pc) => (code === Op.Char || code === Op.Class ? closure(pc + 1) : []));
  return { op: Uint8Array.from(op), arg: Int32Array.from(arg), start: closure(0), follows, slots: 2 * captures };
}

function inClass(charClass: number, code: number): boolean {
  switch (charClass) {
    case CharClass.NoSlashComma:
      return code !== 0x2f && code !== 0x2c;
    case CharClass.Any:
      return code !== 0x0a && code !== 0x0d && code !== 0x2028 && code !== 0x2029;
    case CharClass.NoAmpersand:
      return code !== 0x26;
    default:
      return code !== 0x2f && code !== 0x3b && code !== 0x2c;
  }
}

/** The threads of one step, in priority order. A thread's slot updates stay pending until it consumes. */
class Threads {
  readonly pcs: Int32Array;
  readonly caps: Array<readonly number[]>;
  readonly saves: Array<readonly number[]>;
  readonly savedAt: Int32Array;
  count = 0;

  constructor(size: number) {
    this.pcs = new Int32Array(size);
    this.caps = new Array(size);
    this.saves = new Array(size);
    this.savedAt = new Int32Array(size);
  }

  /** The slots of thread `t`, its pending updates applied (copied: other threads may share the array). */
  slots(t: number): readonly number[] {
    const saves = this.saves[t];
    if (!saves.length) return this.caps[t];
    const slots = this.caps[t].slice();
    for (const slot of saves) slots[slot] = this.savedAt[t];
    return slots;
  }
}

/** Runs the program over the whole input; returns the capture slots of the preferred match, or null. */
export function runProgram(program: Program, input: string): readonly number[] | null {
  const { op, arg, follows } = program;
  const size = op.length;
  let current = new Threads(size);
  let next = new Threads(size);
  // A position already holds a thread of this step: the later one has lower priority and is dropped.
  const seen = new Int32Array(size).fill(-1);
  const enter = (list: Threads, moves: readonly Follow[], caps: readonly number[], pos: number): void => {
    for (let m = 0; m < moves.length; m++) {
      const { pc, saves } = moves[m];
      if (seen[pc] === pos) continue;
      seen[pc] = pos;
      const t = list.count++;
      list.pcs[t] = pc;
      list.caps[t] = caps;
      list.saves[t] = saves;
      list.savedAt[t] = pos;
    }
  };
  enter(current, program.start, new Array<number>(program.slots).fill(-1), 0);
  for (let pos = 0; pos < input.length && current.count > 0; pos++) {
    const code = input.charCodeAt(pos);
    next.count = 0;
    for (let t = 0; t < current.count; t++) {
      const pc = current.pcs[t];
      const ok = op[pc] === Op.Char ? code === arg[pc] : op[pc] === Op.Class && inClass(arg[pc], code);
      if (ok) enter(next, follows[pc], current.slots(t), pos + 1);
    }
    const done = current;
    current = next;
    next = done;
  }
  for (let t = 0; t < current.count; t++) {
    if (op[current.pcs[t]] === Op.Match) return current.slots(t);
  }
  return null;
}
