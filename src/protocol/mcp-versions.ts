/**
 * The legacy protocol revisions this server speaks (an `initialize` handshake opens them), newest first. The same
 * values as `@modelcontextprotocol/sdk`'s `SUPPORTED_PROTOCOL_VERSIONS` / `LATEST_PROTOCOL_VERSION` (held equal by
 * `test/unit/method-params.spec.ts`), written out so that the HTTP path never loads the SDK's schema module (zod and
 * every schema: about 17 MiB of RSS).
 */
export const SUPPORTED_VERSIONS: readonly string[] = Object.freeze(['2025-11-25', '2025-06-18', '2025-03-26', '2024-11-05', '2024-10-07']);
export const LATEST_VERSION = SUPPORTED_VERSIONS[0];

/**
 * The modern revisions (2026-07-28 and later: no handshake, every request carries its version in `_meta`), newest
 * first. Held equal to the official v2 SDK's list by `test/unit/protocol-eras.spec.ts`.
 */
export const MODERN_VERSIONS: readonly string[] = Object.freeze(['2026-07-28']);
const FIRST_MODERN_VERSION = '2026-07-28';

/** Revision identifiers are ISO dates: a revision is modern when it is 2026-07-28 or later. */
export const isModernVersion = (version: string): boolean => version >= FIRST_MODERN_VERSION;

/** Which protocol eras an endpoint serves (`McpAuthModuleOptions.protocol.eras`). */
export type McpProtocolEras = 'dual' | 'modern' | 'legacy';
