import { Logger } from '@nestjs/common';
import { McpMessages } from '../mcp-auth.messages.js';
import { McpAuthenticationError } from './mcp-authentication.error.js';
import { toMcpPrincipal, type McpPrincipal, type McpPrincipalInit } from './mcp-principal.js';
import type { McpAuthenticator, McpAuthenticatorFactory, McpAuthRequest } from './mcp-authenticator.js';

export interface McpPassportOptions {
  /** Maps the strategy's `user` to the result. Default: `sub`/`id`/`userId`/`username`, `scopes`/`scope`, `roles`. */
  map?: (user: any) => McpPrincipalInit;
}

type AuthenticateCallback = (error: unknown, user: unknown) => void;
interface PassportLike {
  authenticate(
    strategy: string,
    options: { session: false },
    callback: AuthenticateCallback,
  ): (req: unknown, res: unknown, next: (error?: unknown) => void) => void;
}

/**
 * Authenticates with Passport strategies the app registered (`PassportStrategy` from `@nestjs/passport`), tried in
 * order; the first that yields a user wins.
 * @example `McpPassport(['api-key', 'jwt'], { map: (user) => ({ principal: { sub: user.id }, scopes: user.permissions }) })`
 */
export function McpPassport(strategies: string | string[], options: McpPassportOptions = {}): McpAuthenticatorFactory {
  const names = ([] as string[]).concat(strategies);
  if (!names.length || names.some((n) => typeof n !== 'string' || !n)) {
    throw new Error(McpMessages.optionInvalid('McpPassport strategies', 'a strategy name or a list of them', strategies));
  }
  const map = options.map ?? defaultMap;
  return {
    kind: 'passport',
    async create() {
      const passport = ((await import('passport')) as unknown as { default: PassportLike }).default;
      return new PassportAuthenticator(passport, names, map);
    },
  };
}

/**
 * Takes the principal from `request.user`, for apps whose own middleware or guard authenticated the request
 * before the MCP route.
 */
export function McpFromRequestUser(map: (user: any) => McpPrincipalInit = defaultMap): McpAuthenticatorFactory {
  return {
    kind: 'passport',
    create: () => ({
      authenticate(request: McpAuthRequest): McpPrincipal | null {
        // Under Fastify, Nest middleware sees the raw Node request: `user` may sit on `request.raw`.
        const raw = request.raw as { user?: unknown; raw?: { user?: unknown } } | undefined;
        const user = raw?.user ?? raw?.raw?.user;
        return user ? mapUser(map, user) : null;
      },
    }),
  };
}

class PassportAuthenticator implements McpAuthenticator {
  private readonly logger = new Logger('McpAuthModule');

  constructor(
    private readonly passport: PassportLike,
    private readonly strategies: string[],
    private readonly map: (user: any) => McpPrincipalInit,
  ) {}

  async authenticate(request: McpAuthRequest): Promise<McpPrincipal | null> {
    if (request.raw === undefined) return null;
    for (const strategy of this.strategies) {
      const user = await new Promise<unknown>((resolve, reject) => {
        const done: AuthenticateCallback = (error, found) => (error ? reject(error) : resolve(found || undefined));
        this.passport.authenticate(strategy, { session: false }, done)(headerOnly(request.raw), request.response, (error) =>
          error ? reject(error) : resolve(undefined),
        );
      }).catch((error: unknown) => {
        // A strategy that errors (its user store is down, say) refuses the request: fail closed.
        this.logger.warn(`Passport strategy "${strategy}" failed: ${(error as Error)?.message ?? error}`);
        throw new McpAuthenticationError('invalid_token');
      });
      if (user) return mapUser(this.map, user);
    }
    return null;
  }
}

/**
 * The request as strategies see it: tokens only in headers (MCP authorization spec), so strategies that also read
 * `access_token` from the query string or the body (passport-http-bearer does) cannot find one there.
 */
function headerOnly(raw: unknown): unknown {
  return Object.create(raw as object, { query: { value: {} }, body: { value: {} } });
}

function mapUser(map: (user: any) => McpPrincipalInit, user: unknown): McpPrincipal {
  try {
    return toMcpPrincipal(map(user), 'passport');
  } catch (error) {
    throw new Error(`McpPassport: map(user) must return { principal: { sub }, ... }: ${(error as Error).message}`);
  }
}

function defaultMap(user: any): McpPrincipalInit {
  const sub = user?.sub ?? user?.id ?? user?.userId ?? user?.username;
  const scopes = user?.scopes ?? (typeof user?.scope === 'string' ? user.scope.split(' ').filter(Boolean) : user?.scope);
  return {
    principal: { sub: sub === undefined ? (undefined as never) : String(sub) },
    clientId: user?.clientId ?? user?.client_id ?? user?.azp,
    scopes: Array.isArray(scopes) ? scopes : [],
    roles: Array.isArray(user?.roles) ? user.roles : [],
    claims: typeof user === 'object' && user ? { ...user } : {},
  };
}
