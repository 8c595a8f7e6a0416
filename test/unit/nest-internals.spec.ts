import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Injectable, Module, UseGuards, type CanActivate, type INestApplicationContext } from '@nestjs/common';
import { APP_GUARD, ExternalContextCreator, NestFactory } from '@nestjs/core';
import {
  EXCEPTION_FILTERS_METADATA,
  ExecutionContextHost,
  FILTER_CATCH_EXCEPTIONS,
  GUARDS_METADATA,
  hasGlobalGuards,
  hasGlobalPipesOrInterceptors,
  INTERCEPTORS_METADATA,
  PATH_METADATA,
  PIPES_METADATA,
  resolveGuards,
  ROUTE_ARGS_METADATA,
  RouteParamtypes,
} from '../../src/execution/nest-internals.js';

/**
 * Every read of Nest's internals sits in src/execution/nest-internals.ts; this spec fails loudly when a Nest upgrade
 * moves one of them, before a user's guard could be skipped or run with the wrong handler.
 */

@Injectable()
class GlobalGuard implements CanActivate {
  canActivate() {
    return true;
  }
}

@Injectable()
class MethodGuard implements CanActivate {
  canActivate() {
    return true;
  }
}

@Injectable()
class Target {
  @UseGuards(MethodGuard)
  method() {
    return 1;
  }
}

describe('Nest internals the module reads', () => {
  let app: INestApplicationContext;
  let plain: INestApplicationContext;

  before(async () => {
    @Module({ providers: [Target, MethodGuard, { provide: APP_GUARD, useClass: GlobalGuard }] })
    class WithGuards {}
    @Module({ providers: [Target] })
    class Plain {}
    app = await NestFactory.createApplicationContext(WithGuards, { logger: false });
    plain = await NestFactory.createApplicationContext(Plain, { logger: false });
  });
  after(async () => {
    await app?.close();
    await plain?.close();
  });

  it('the metadata keys and helpers are still where they are imported from', () => {
    for (const key of [EXCEPTION_FILTERS_METADATA, FILTER_CATCH_EXCEPTIONS, GUARDS_METADATA, INTERCEPTORS_METADATA, PATH_METADATA, PIPES_METADATA, ROUTE_ARGS_METADATA]) {
      assert.equal(typeof key, 'string');
    }
    assert.equal(RouteParamtypes.REQUEST, 0);
    assert.equal(RouteParamtypes.RESPONSE, 1);
    const host = new ExecutionContextHost([1, 2, 3], Target as never, Target.prototype.method as never);
    host.setType('mcp');
    assert.equal(host.getType(), 'mcp');
    assert.equal(host.getHandler(), Target.prototype.method);
    assert.equal(host.getArgByIndex(2), 3);
  });

  it('sees global guards, pipes and interceptors through ExternalContextCreator (not merely "unsure")', () => {
    assert.equal(hasGlobalGuards(app.get(ExternalContextCreator)), true);
    assert.equal(hasGlobalGuards(plain.get(ExternalContextCreator)), false);
    assert.equal(hasGlobalPipesOrInterceptors(plain.get(ExternalContextCreator)), false);
  });

  it('resolves the guards of a method as Nest runs them: global, then class, then method instances', () => {
    const target = app.get(Target);
    const guards = resolveGuards(app.get(ExternalContextCreator), target, target.method);
    assert.deepEqual(
      guards.map((guard) => guard.constructor),
      [GlobalGuard, MethodGuard],
    );
    assert.equal(guards[1], app.get(MethodGuard));
  });
});
