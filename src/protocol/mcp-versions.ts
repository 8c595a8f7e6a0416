/**
 * The protocol revisions this server speaks, newest first. The same values as `@modelcontextprotocol/sdk`'s
 * `SUPPORTED_PROTOCOL_VERSIONS` / `LATEST_PROTOCOL_VERSION` (held equal by `test/unit/protocol-versions.spec.ts`),
 * written out so that the HTTP path never loads the SDK's schema module (zod and every schema: about 17 MiB of RSS).
 */
export const SUPPORTED_VERSIONS: readonly string[] = Object.freeze(['2025-11-25', '2025-06-18', '2025-03-26', '2024-11-05', '2024-10-07']);
export const LATEST_VERSION = SUPPORTED_VERSIONS[0];
