export type Scenario = 'call' | 'list' | 'list-authz';

/** One server under test: which script runs it, with which arguments, for which scenario. */
export interface Peer {
  readonly name: string;
  readonly scenario: Scenario;
  /** Path relative to build/bench. */
  readonly script: string;
  readonly args: readonly string[];
  /** Always runs with the RS256 JWT (auth variant or not). */
  readonly jwt?: boolean;
  /** Extra environment for the server process. */
  readonly env?: Readonly<Record<string, string>>;
}

const peer = (name: string, scenario: Scenario, script: string, ...args: string[]): Peer => ({ name, scenario, script, args });

/** Every peer, in the order each round runs them. */
export const PEERS: readonly Peer[] = [
  peer('floor', 'call', 'servers/floor.js'),
  peer('nest-ceiling-express', 'call', 'servers/nest-ceiling.js', 'express'),
  peer('nest-ceiling-fastify', 'call', 'servers/nest-ceiling.js', 'fastify'),
  peer('nest-ceiling-validated-express', 'call', 'servers/nest-ceiling.js', 'express', 'validated'),
  peer('nest-ceiling-validated-fastify', 'call', 'servers/nest-ceiling.js', 'fastify', 'validated'),
  peer('sdk-stateless', 'call', 'servers/sdk-stateless.js'),
  peer('module-express', 'call', 'servers/module.js', 'express', 'call'),
  peer('module-fastify', 'call', 'servers/module.js', 'fastify', 'call'),
  // The module as configured by default: JWT verified once, then remembered until it expires (verified-token cache).
  { ...peer('module-cached-express', 'call', 'servers/module.js', 'express', 'call'), jwt: true, env: { BENCH_JWT_CACHE: '1' } },
  { ...peer('module-cached-fastify', 'call', 'servers/module.js', 'fastify', 'call'), jwt: true, env: { BENCH_JWT_CACHE: '1' } },
  peer('nest-ceiling-list-express', 'list', 'servers/nest-ceiling.js', 'express'),
  peer('nest-ceiling-list-fastify', 'list', 'servers/nest-ceiling.js', 'fastify'),
  peer('module-list-express', 'list', 'servers/module.js', 'express', 'list'),
  peer('module-list-fastify', 'list', 'servers/module.js', 'fastify', 'list'),
  peer('nest-ceiling-list-authz-express', 'list-authz', 'servers/nest-ceiling.js', 'express', 'list-authz'),
  peer('nest-ceiling-list-authz-fastify', 'list-authz', 'servers/nest-ceiling.js', 'fastify', 'list-authz'),
  peer('module-list-authz-express', 'list-authz', 'servers/module.js', 'express', 'list-authz'),
  peer('module-list-authz-fastify', 'list-authz', 'servers/module.js', 'fastify', 'list-authz'),
];

/** The ratios reported, numerator / denominator on req/s, with the target when the issue sets one. */
export const RATIOS: ReadonlyArray<{ num: string; den: string; target?: number }> = [
  { num: 'module-express', den: 'nest-ceiling-express', target: 0.8 },
  { num: 'module-fastify', den: 'nest-ceiling-fastify', target: 0.8 },
  // Informative: against a ceiling that also validates the arguments with class-validator, as the module does.
  { num: 'module-express', den: 'nest-ceiling-validated-express' },
  { num: 'module-fastify', den: 'nest-ceiling-validated-fastify' },
  { num: 'module-express', den: 'sdk-stateless', target: 3 },
  { num: 'module-fastify', den: 'sdk-stateless', target: 3 },
  // The verified-token cache (the module's default) vs verifying the signature on every request like the peers (or,
  // with BENCH_AUTH=0, vs no authentication at all).
  { num: 'module-cached-express', den: 'module-express' },
  { num: 'module-cached-fastify', den: 'module-fastify' },
  { num: 'module-express', den: 'floor' },
  { num: 'module-fastify', den: 'floor' },
  { num: 'nest-ceiling-express', den: 'floor' },
  { num: 'nest-ceiling-fastify', den: 'floor' },
  { num: 'module-list-express', den: 'nest-ceiling-list-express', target: 0.8 },
  { num: 'module-list-fastify', den: 'nest-ceiling-list-fastify', target: 0.8 },
  // Issue 4: the authorized list may cost at most 1.3× the unauthenticated one (req/s ratio ≥ 1/1.3), and must
  // match the same filtering done in a bare Nest controller.
  { num: 'module-list-authz-express', den: 'module-list-express', target: 1 / 1.3 },
  { num: 'module-list-authz-fastify', den: 'module-list-fastify', target: 1 / 1.3 },
  { num: 'module-list-authz-express', den: 'nest-ceiling-list-authz-express', target: 1.0 },
  { num: 'module-list-authz-fastify', den: 'nest-ceiling-list-authz-fastify', target: 1.0 },
];

/** Bootstrap: module (Express) with 1,000 tools minus with none, in ms. */
export const BOOT_DELTA_TARGET_MS = 300;

/**
 * Memory ratios, numerator / denominator on peak RSS under load (lower is leaner; 1.1 = 10 % more memory). No
 * targets: the absolute target below is what the project checks.
 */
export const MEMORY_RATIOS: ReadonlyArray<{ num: string; den: string }> = [
  { num: 'module-express', den: 'nest-ceiling-express' },
  { num: 'module-fastify', den: 'nest-ceiling-fastify' },
  { num: 'module-express', den: 'sdk-stateless' },
  { num: 'module-fastify', den: 'sdk-stateless' },
  { num: 'module-cached-express', den: 'module-express' },
  { num: 'module-cached-fastify', den: 'module-fastify' },
  { num: 'nest-ceiling-express', den: 'floor' },
  { num: 'module-list-express', den: 'nest-ceiling-list-express' },
  { num: 'module-list-fastify', den: 'nest-ceiling-list-fastify' },
  { num: 'module-list-authz-express', den: 'nest-ceiling-list-authz-express' },
  { num: 'module-list-authz-fastify', den: 'nest-ceiling-list-authz-fastify' },
];

/** Peak RSS of the module on Express under call load (median across rounds), MiB; checked when measured. */
export const RSS_TARGET = { peer: 'module-express', maxMiB: 152 } as const;
