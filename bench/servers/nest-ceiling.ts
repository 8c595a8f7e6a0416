import 'reflect-metadata';
import {
  Body,
  Controller,
  HttpCode,
  Injectable,
  Module,
  Post,
  Req,
  UseGuards,
  UnauthorizedException,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { AddDto } from '../lib/add.dto.js';
import { verifierFromEnv, type BearerVerifier } from '../lib/auth.js';
import { adapterArg, announce, exitOnSignal } from '../lib/serve.js';
import { answer, AUTHZ_SCOPES, AUTHZ_TOKEN, buildToolList, requiredScope, TOOL_COUNT } from '../lib/work.js';

/**
 * The Nest ceiling: a plain controller doing the same work with no MCP library, on the adapter named by
 * argv[2]. It answers tools/call of `add` and tools/list with a prebuilt 1,000-tool list.
 */
const adapter = adapterArg(process.argv[2]);
const authz = process.argv[3] === 'list-authz';
const list = buildToolList();
const tools = (list as { tools: unknown[] }).tools;
const required = Array.from({ length: TOOL_COUNT }, (_, i) => requiredScope(i));
const tokens = new Map([[AUTHZ_TOKEN, AUTHZ_SCOPES]]);

/**
 * The authorization scenario's ceiling: the same work in a bare controller — a guard maps the bearer token to its
 * scopes, and each tools/list filters the prebuilt list by the scope each tool requires.
 */
@Injectable()
class ScopesGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<{ headers: Record<string, string | undefined>; scopes?: string[] }>();
    const scopes = tokens.get((request.headers.authorization ?? '').replace(/^Bearer /, ''));
    if (!scopes) throw new UnauthorizedException();
    request.scopes = scopes;
    return true;
  }
}

@Controller()
class AuthzCeilingController {
  @Post('/mcp')
  @HttpCode(200)
  @UseGuards(ScopesGuard)
  handle(@Body() body: { id?: unknown }, @Req() request: { scopes: string[] }): unknown {
    const visible = tools.filter((_, i) => required[i] === undefined || request.scopes.includes(required[i]!));
    return { jsonrpc: '2.0', id: body.id, result: { tools: visible } };
  }
}

/** The module's default validator options (what `ValidationPipe({ whitelist: true, forbidNonWhitelisted: true })` does). */
const VALIDATION = { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: true };

/**
 * The ceiling with the argument validation the module does: the `add` arguments go through class-transformer and
 * class-validator (the same AddDto and options) before the answer, as a Nest controller validating its input would. Informative:
 * no target is set against it.
 */
@Controller()
class ValidatedCeilingController {
  @Post('/mcp')
  @HttpCode(200)
  async handle(@Body() body: { id?: unknown; params?: { arguments?: unknown } }): Promise<unknown> {
    const args = plainToInstance(AddDto, body?.params?.arguments ?? {});
    const errors = await validate(args, VALIDATION);
    if (errors.length) return { jsonrpc: '2.0', id: body.id, result: { content: [{ type: 'text', text: 'Invalid arguments' }], isError: true } };
    return answer(body, list);
  }
}

@Controller()
class CeilingController {
  @Post('/mcp')
  @HttpCode(200)
  handle(@Body() body: unknown): unknown {
    return answer(body, list);
  }
}

/** The auth variant's guard: the same jose verification as every other peer. */
@Injectable()
class BearerGuard implements CanActivate {
  constructor(private readonly verify: BearerVerifier) {}
  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<{ headers: Record<string, string | undefined> }>();
    if (await this.verify(request.headers.authorization)) return true;
    throw new UnauthorizedException();
  }
}

@Module({ controllers: [authz ? AuthzCeilingController : process.argv[3] === 'validated' ? ValidatedCeilingController : CeilingController] })
class CeilingModule {}

const verify = await verifierFromEnv();
const httpAdapter = adapter === 'fastify' ? new FastifyAdapter() : new ExpressAdapter();
const app = await NestFactory.create(CeilingModule, httpAdapter as never, { logger: false });
if (verify) app.useGlobalGuards(new BearerGuard(verify));
exitOnSignal();
await app.listen(0, '127.0.0.1');
announce(app.getHttpServer());
