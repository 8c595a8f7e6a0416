import 'reflect-metadata';
import {
  Body,
  Controller,
  HttpCode,
  Injectable,
  Module,
  Post,
  UnauthorizedException,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { verifierFromEnv, type BearerVerifier } from '../lib/auth.js';
import { adapterArg, announce, exitOnSignal } from '../lib/serve.js';
import { answer, buildToolList } from '../lib/work.js';

/**
 * The Nest ceiling: a plain controller doing the same work with no MCP library, on the adapter named by
 * argv[2]. It answers tools/call of `add` and tools/list with a prebuilt 1,000-tool list.
 */
const adapter = adapterArg(process.argv[2]);
const list = buildToolList();

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

@Module({ controllers: [CeilingController] })
class CeilingModule {}

const verify = await verifierFromEnv();
const httpAdapter = adapter === 'fastify' ? new FastifyAdapter() : new ExpressAdapter();
const app = await NestFactory.create(CeilingModule, httpAdapter as never, { logger: false });
if (verify) app.useGlobalGuards(new BearerGuard(verify));
exitOnSignal();
await app.listen(0, '127.0.0.1');
announce(app.getHttpServer());
