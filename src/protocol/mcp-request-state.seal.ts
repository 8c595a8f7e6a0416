import { createHash, randomBytes } from 'node:crypto';
import { compactDecrypt, CompactEncrypt } from 'jose';

/** What a 2026-07-28 `requestState` carries between the rounds of one request. */
export interface McpRoundState {
  /** Who asked: a state presented by anyone else is refused. */
  readonly owner: string;
  /** The request it belongs to: method and a digest of its parameters. */
  readonly request: string;
  /** Expiry, in ms since the epoch. */
  readonly exp: number;
  /** Answers gathered in earlier rounds, by input key. */
  readonly answers: Readonly<Record<string, unknown>>;
  /** The keys asked for in the round this state was issued with: only their answers are taken from the retry. */
  readonly asked: readonly string[];
}

const ENCODER = new TextEncoder();
const DECODER = new TextDecoder();

/**
 * Seals and opens `requestState` (MRTR): the client carries it between rounds, so it is attacker-controlled input.
 * Sealed with AES-256-GCM (JWE `dir`, jose): neither readable nor alterable by the client. A key given in the options
 * lets every instance of a deployment open what another sealed; without one, each process has its own random key
 * (a retry that reaches another instance is asked again from its first round).
 */
export class McpRequestStateSeal {
  private readonly key: Uint8Array;

  constructor(secret?: string) {
    this.key = secret === undefined ? randomBytes(32) : createHash('sha256').update(secret, 'utf8').digest();
  }

  seal(state: McpRoundState): Promise<string> {
    return new CompactEncrypt(ENCODER.encode(JSON.stringify(state))).setProtectedHeader({ alg: 'dir', enc: 'A256GCM' }).encrypt(this.key);
  }

  /** The state, or undefined when it was not sealed with this key, was altered, or is not a well-formed state. */
  async open(sealed: string): Promise<McpRoundState | undefined> {
    if (sealed.length > 256 * 1024) return undefined;
    try {
      const { plaintext } = await compactDecrypt(sealed, this.key, { keyManagementAlgorithms: ['dir'], contentEncryptionAlgorithms: ['A256GCM'] });
      const state = JSON.parse(DECODER.decode(plaintext)) as McpRoundState;
      if (typeof state.owner !== 'string' || typeof state.request !== 'string' || typeof state.exp !== 'number') return undefined;
      if (typeof state.answers !== 'object' || state.answers === null || !Array.isArray(state.asked)) return undefined;
      return state;
    } catch {
      return undefined;
    }
  }
}

/** Canonical JSON (keys sorted at every level): the digest of a request's parameters must not depend on key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** Which request a state belongs to: its method and its parameters without `_meta`, `inputResponses` and `requestState`. */
export function requestDigest(method: string, params: Record<string, unknown>): string {
  const { _meta, inputResponses, requestState, ...rest } = params;
  void _meta;
  void inputResponses;
  void requestState;
  return createHash('sha256').update(method).update('\0').update(canonicalJson(rest)).digest('base64url');
}
