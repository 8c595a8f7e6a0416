import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import { collectScopes } from '../authorization/mcp-checks.js';
import type { McpAuthorizationCheck } from '../authorization/mcp-authorization-check.js';
import { McpAuthorizer } from '../authorization/mcp-authorizer.js';
import { mcpArgsFactory } from '../decorators/mcp-params.decorator.js';
import { McpArgumentsValidator } from '../execution/mcp-arguments.validator.js';
import { McpJsonSchemaValidator } from '../execution/json-schema.validator.js';
import { paramHeadersOf, type McpParamHeader } from './mcp-param-headers.js';
import { McpHandlerFactory } from '../execution/mcp-handler.factory.js';
import type { McpComponentInfo } from '../execution/mcp-invocation.js';
import { ROUTE_ARGS_METADATA, type InstanceWrapper } from '../execution/nest-internals.js';
import { MCP_RESOLVED_OPTIONS } from '../mcp-auth.constants.js';
import { McpMessages } from '../mcp-auth.messages.js';
import type { McpResolvedOptions } from '../mcp-auth.options.js';
import { AmbiguousUriTemplateError, compileUriTemplate, type UriMatcher } from '../discovery/uri-template.js';
import { buildDtoSchema, isValidatedDto, type JsonSchema } from './dto-schema.builder.js';
import type { McpComponent } from './mcp-component.js';
import { McpMetadataAccessor, type McpComponentMetadata } from './mcp-metadata.accessor.js';
import { McpRegistry, type McpCompleter } from './mcp.registry.js';
import type { McpCompletionResult, McpCompletionTarget } from '../decorators/mcp-complete.decorator.js';

interface RouteArg {
  index: number;
  data?: unknown;
  factory?: unknown;
  pipes?: unknown[];
}

interface ArgsBinding {
  /** The class of the whole-arguments parameter, when it is a class-validator DTO. */
  readonly dto?: Function;
  /** Parameters bound to one argument each: `@McpArgs('id') id: string`. */
  readonly properties: ReadonlyArray<{ name: string; type?: Function; piped?: boolean }>;
}

const TOOL_NAME = /^[A-Za-z0-9_.-]{1,128}$/;

/**
 * Finds `@McpTool`, `@McpResource`, `@McpResourceTemplate` and `@McpPrompt` methods on every provider and
 * registers them with their schemas, validators and Nest-wrapped handlers. Invalid declarations fail startup
 * with a message naming `Class#method`.
 */
@Injectable()
export class McpExplorer implements OnModuleInit {
  private readonly schemaCache = new Map<string, Map<Function, JsonSchema>>();

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly accessor: McpMetadataAccessor,
    private readonly handlers: McpHandlerFactory,
    private readonly registry: McpRegistry,
    private readonly authorizer: McpAuthorizer,
    @Inject(MCP_RESOLVED_OPTIONS) private readonly options: McpResolvedOptions,
  ) {}

  onModuleInit(): void {
    const completers: Array<{ wrapper: InstanceWrapper; methodName: string; handler: string; targets: McpCompletionTarget[] }> = [];
    for (const wrapper of this.discovery.getProviders()) {
      const type = wrapper.metatype;
      if (!type || wrapper.inject || !type.prototype || wrapper.isAlias) continue;
      if (wrapper.isDependencyTreeStatic() && !wrapper.instance) continue;
      const prototype = type.prototype as object;
      for (const methodName of this.scanner.getAllMethodNames(prototype)) {
        const method = (prototype as Record<string, Function>)[methodName];
        for (const metadata of this.accessor.getComponents(method)) {
          this.registry.add(this.build(wrapper, prototype, methodName, metadata));
        }
        const targets = this.accessor.getCompletionTargets(method);
        if (targets.length) completers.push({ wrapper, methodName, handler: `${type.name}#${methodName}`, targets });
      }
    }
    // Completers name components by prompt name or URI template: resolved once every component is known.
    for (const { wrapper, methodName, handler, targets } of completers) {
      for (const target of targets) this.addCompleter(wrapper, methodName, handler, target);
    }
  }

  private addCompleter(wrapper: InstanceWrapper, methodName: string, handler: string, target: McpCompletionTarget): void {
    const isPrompt = 'prompt' in target;
    const name = isPrompt ? target.prompt : target.resourceTemplate;
    const component = isPrompt
      ? this.registry.prompts.get(name)
      : [...this.registry.resourceTemplates.values()].find((c) => c.descriptor.uriTemplate === name);
    if (!component) throw new Error(McpMessages.completionTargetUnknown(handler, isPrompt ? 'prompt' : 'resource template', String(name)));
    const argumentNames = isPrompt
      ? ((component.descriptor.arguments as Array<{ name: string }>) ?? []).map((a) => a.name)
      : component.matcher!.variableNames;
    if (!argumentNames.includes(target.argument)) throw new Error(McpMessages.completionArgumentUnknown(handler, String(target.argument), String(name), argumentNames));
    if (!wrapper.isDependencyTreeStatic()) throw new Error(McpMessages.completerNotStatic(handler));
    const byArgument = this.registry.completers.get(component) ?? new Map<string, McpCompleter>();
    if (byArgument.has(target.argument)) throw new Error(McpMessages.completionDuplicate(handler, target.argument, String(name)));
    const instance = wrapper.instance as Record<string, (...args: unknown[]) => McpCompletionResult>;
    byArgument.set(target.argument, (value, context) => instance[methodName](value, context));
    this.registry.completers.set(component, byArgument);
  }

  private build(
    wrapper: InstanceWrapper,
    prototype: object,
    methodName: string,
    metadata: McpComponentMetadata,
  ): McpComponent {
    const handler = `${(prototype.constructor as Function).name}#${methodName}`;
    const binding = this.bindArguments(prototype, methodName, handler);
    const { kind, options } = metadata;
    const name = options.name ?? methodName;
    const info: McpComponentInfo = Object.freeze({
      kind,
      name,
      tags: Object.freeze([...(options.tags ?? [])]),
      metadata: Object.freeze({ ...options }),
      handler,
    });
    const componentChecks = options.auth === undefined ? [] : ([] as McpAuthorizationCheck[]).concat(options.auth as McpAuthorizationCheck);
    const authorization = this.authorizer.compile(this.accessor.getClassChecks(prototype.constructor), componentChecks, handler);
    for (const scope of collectScopes(authorization.checks)) this.registry.scopes.add(scope);
    if (options.onDenied !== undefined && options.onDenied !== 'hide' && options.onDenied !== 'challenge') {
      throw new Error(McpMessages.optionInvalid(`${handler} onDenied`, '"hide" or "challenge"', options.onDenied));
    }
    const { invoke, listGuards } = this.handlers.create(wrapper, methodName);
    const base = {
      authorization,
      listGuards,
      onDenied: options.onDenied,
      enabled: options.enabled !== false,
    };
    const common = optional({ title: options.title, _meta: options.meta });

    switch (metadata.kind) {
      case 'tool': {
        const o = metadata.options;
        if (!TOOL_NAME.test(name)) throw new Error(McpMessages.invalidName('tool', handler, name));
        requireDescription(o.description, 'tool', handler);
        const declared = o.inputSchema === undefined ? undefined : this.declaredSchema(o.inputSchema, binding, handler);
        const descriptor = {
          name,
          ...common,
          description: o.description,
          inputSchema: declared?.schema ?? this.inputSchema(binding),
          ...optional({
            outputSchema: typeof o.outputSchema === 'function' ? this.schemaOf(o.outputSchema, true) : o.outputSchema,
            annotations: o.annotations,
          }),
        };
        // Whatever the schema's source (a declared one, or `@McpProperty({ 'x-mcp-header': … })` on a DTO).
        const headers = this.paramHeaders(descriptor.inputSchema, handler);
        const paramHeaders = headers.length ? headers : undefined;
        return { ...base, info, descriptor, invoke, validator: declared?.validator ?? this.validator(binding, false), paramHeaders };
      }
      case 'resource': {
        const o = metadata.options;
        if (typeof o.uri !== 'string' || !o.uri) {
          throw new Error(McpMessages.optionInvalid(`${handler} uri`, 'a non-empty URI', o.uri));
        }
        const descriptor = { uri: o.uri, name, ...common, ...optional({ description: o.description, mimeType: o.mimeType }) };
        return { ...base, info, descriptor, invoke, validator: this.validator({ properties: [] }, false), uri: o.uri, mimeType: o.mimeType };
      }
      case 'resourceTemplate': {
        const o = metadata.options;
        const matcher = this.compileTemplate(o.uriTemplate, handler);
        for (const property of binding.properties) {
          if (!matcher.variableNames.includes(property.name)) {
            throw new Error(McpMessages.templateVariableUnknown(handler, property.name, o.uriTemplate));
          }
        }
        const descriptor = {
          uriTemplate: o.uriTemplate,
          name,
          ...common,
          ...optional({ description: o.description, mimeType: o.mimeType }),
        };
        const variables = (this.inputSchema(binding).properties ?? {}) as Record<string, JsonSchema>;
        return { ...base, info, descriptor, invoke, validator: this.validator(binding, true), matcher, mimeType: o.mimeType, enumValues: enumValuesOf(variables) };
      }
      case 'prompt': {
        const o = metadata.options;
        requireDescription(o.description, 'prompt', handler);
        const dto = o.arguments ?? binding.dto;
        const schema = dto ? this.schemaOf(dto, false) : this.inputSchema(binding);
        const required = new Set((schema.required as string[] | undefined) ?? []);
        const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
        const args = Object.entries(properties).map(([argName, s]) => ({
          name: argName,
          ...optional({ description: s.description as string | undefined }),
          required: required.has(argName),
        }));
        const descriptor = { name, ...common, description: o.description, arguments: args };
        const validator = this.validator({ dto, properties: binding.properties }, true);
        return { ...base, info, descriptor, invoke, validator, description: o.description, enumValues: enumValuesOf(properties) };
      }
    }
  }

  private bindArguments(prototype: object, methodName: string, handler: string): ArgsBinding {
    const ctor = prototype.constructor;
    const paramTypes = (Reflect.getMetadata('design:paramtypes', prototype, methodName) ?? []) as Function[];
    const routeArgs = Object.values(
      (Reflect.getMetadata(ROUTE_ARGS_METADATA, ctor, methodName) ?? {}) as Record<string, RouteArg>,
    );
    const decorated = new Set(routeArgs.map((arg) => arg.index));
    const arity = Math.max(paramTypes.length, (prototype as Record<string, Function>)[methodName].length);
    for (let index = 0; index < arity; index++) {
      if (!decorated.has(index)) throw new Error(McpMessages.undecoratedParameter(handler, index));
    }
    let dto: Function | undefined;
    const properties: Array<{ name: string; type?: Function; piped?: boolean }> = [];
    for (const arg of routeArgs) {
      if (arg.factory !== mcpArgsFactory) continue;
      const type = paramTypes[arg.index];
      if (typeof arg.data === 'string') properties.push({ name: arg.data, type, piped: (arg.pipes?.length ?? 0) > 0 });
      else if (isValidatedDto(type)) dto = type;
    }
    return { dto, properties };
  }

  private inputSchema(binding: ArgsBinding): JsonSchema {
    if (binding.dto) return this.schemaOf(binding.dto, !this.options.validation.forbidNonWhitelisted);
    if (!binding.properties.length) return { type: 'object', properties: {} };
    const properties: Record<string, JsonSchema> = {};
    for (const { name, type } of binding.properties) properties[name] = primitiveSchema(type);
    return { type: 'object', properties, required: binding.properties.map((p) => p.name) };
  }

  private schemaOf(dto: Function, additionalProperties: boolean): JsonSchema {
    const key = String(additionalProperties);
    const byDto = this.schemaCache.get(key) ?? new Map<Function, JsonSchema>();
    this.schemaCache.set(key, byDto);
    let schema = byDto.get(dto);
    if (!schema) {
      schema = buildDtoSchema(dto, { additionalProperties });
      byDto.set(dto, schema);
    }
    return schema;
  }

  /** A tool's own JSON Schema: advertised as given, compiled for validation now (a broken schema stops startup). */
  private declaredSchema(
    schema: unknown,
    binding: ArgsBinding,
    handler: string,
  ): { schema: JsonSchema; validator: McpJsonSchemaValidator } {
    if (typeof schema !== 'object' || schema === null || Array.isArray(schema) || (schema as JsonSchema).type !== 'object') {
      throw new Error(McpMessages.optionInvalid(`${handler} inputSchema`, 'a JSON Schema object with type "object"', schema));
    }
    if (binding.dto) throw new Error(McpMessages.inputSchemaWithDto(handler, binding.dto.name));
    try {
      return { schema: schema as JsonSchema, validator: new McpJsonSchemaValidator(schema as JsonSchema) };
    } catch (error) {
      throw new Error(McpMessages.inputSchemaInvalid(handler, (error as Error).message));
    }
  }

  /** The `x-mcp-header` annotations of a tool's advertised input schema; a forbidden one stops startup. */
  private paramHeaders(schema: JsonSchema, handler: string): McpParamHeader[] {
    try {
      return paramHeadersOf(schema);
    } catch (error) {
      throw new Error(McpMessages.inputSchemaInvalid(handler, (error as Error).message));
    }
  }

  private validator(binding: ArgsBinding, implicitConversion: boolean): McpArgumentsValidator {
    return new McpArgumentsValidator(binding.dto, this.options.validation, implicitConversion, binding.properties);
  }

  private compileTemplate(template: string, handler: string): UriMatcher {
    try {
      return compileUriTemplate(template);
    } catch (error) {
      if (error instanceof AmbiguousUriTemplateError) {
        throw new Error(McpMessages.ambiguousTemplate(handler, template, error.first, error.second));
      }
      throw new Error(McpMessages.invalidTemplate(handler, String(template), (error as Error).message));
    }
  }
}

function requireDescription(description: unknown, kind: string, handler: string): void {
  if (typeof description !== 'string' || !description.trim()) throw new Error(McpMessages.missingDescription(kind, handler));
}

function primitiveSchema(type: Function | undefined): JsonSchema {
  if (type === Number) return { type: 'number' };
  if (type === Boolean) return { type: 'boolean' };
  if (type === String) return { type: 'string' };
  return {};
}

/** The string values of each property declared with an enum: what completion offers without a completer. */
function enumValuesOf(properties: Record<string, JsonSchema>): ReadonlyMap<string, readonly string[]> | undefined {
  const out = new Map<string, readonly string[]>();
  for (const [name, schema] of Object.entries(properties)) {
    if (Array.isArray(schema.enum)) out.set(name, Object.freeze(schema.enum.map(String)));
  }
  return out.size ? out : undefined;
}

/** Drops undefined values so descriptors carry only what was declared. */
function optional<T extends Record<string, unknown>>(values: T): Partial<T> {
  const out: Partial<T> = {};
  for (const key of Object.keys(values) as Array<keyof T>) if (values[key] !== undefined) out[key] = values[key];
  return out;
}
