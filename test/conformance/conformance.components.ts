import { Injectable } from '@nestjs/common';
import { IsString } from 'class-validator';
import { McpArgs, McpComplete, McpContext, McpProperty, McpPrompt, McpResource, McpResourceTemplate, McpTool } from 'nestjs-mcp-auth';

/*
 * The components the official MCP conformance suite (`@modelcontextprotocol/conformance`, server scenarios) calls
 * by name, declared with the public API only. Names, URIs and payloads follow the suite's reference
 * "everything server"; the scenarios check shapes (a text item, an image with data and mimeType, ...), these
 * payloads satisfy them.
 *
 * Not declared, because the module does not offer what they test yet (see docs/conformance.md): the 2025 tools
 * that ask the client for something (`test_sampling`, `test_elicitation`, `test_elicitation_sep1034_defaults`,
 * `test_elicitation_sep1330_enums`), and the 2026-07-28 ones that need input-required results or a required client
 * capability (`test_input_required_result_*`, `test_missing_capability`, `test_streaming_elicitation`), list
 * mutation hooks (`test_trigger_tool_change`, `test_trigger_prompt_change`) and the tasks extension's tools.
 */

/** A 1x1 red PNG. */
export const TEST_IMAGE_BASE64 =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==';

/** A minimal WAV file. */
export const TEST_AUDIO_BASE64 = 'UklGRiYAAABXQVZFZm10IBAAAAABAAEAQB8AAAB9AAACABAAZGF0YQIAAAA=';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** `json_schema_2020_12_tool`'s arguments, declared as JSON Schema 2020-12 and advertised exactly so (SEP-1613). */
const JSON_SCHEMA_2020_12 = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  $defs: {
    address: { type: 'object', properties: { street: { type: 'string' }, city: { type: 'string' } } },
  },
  properties: {
    name: { type: 'string' },
    address: { $ref: '#/$defs/address' },
  },
  additionalProperties: false,
};

export class PromptWithArgumentsDto {
  @McpProperty({ description: 'First test argument' }) @IsString() arg1!: string;
  @McpProperty({ description: 'Second test argument' }) @IsString() arg2!: string;
}

export class PromptWithResourceDto {
  @McpProperty({ description: 'URI of the resource to embed' }) @IsString() resourceUri!: string;
}

/** `test_custom_header`'s argument, mirrored in the `Mcp-Param-Region` header by 2026-07-28 clients (SEP-2243). */
export class CustomHeaderArgs {
  @McpProperty({ description: 'A region, also sent as the Mcp-Param-Region header', 'x-mcp-header': 'Region' })
  @IsString()
  region!: string;
}

export class TemplateIdDto {
  @IsString() id!: string;
}

@Injectable()
export class ConformanceTools {
  @McpTool({ name: 'test_simple_text', description: 'Tests simple text content response' })
  simpleText() {
    return 'This is a simple text response for testing.';
  }

  @McpTool({ name: 'test_image_content', description: 'Tests image content response' })
  image() {
    return { content: [{ type: 'image', data: TEST_IMAGE_BASE64, mimeType: 'image/png' }] };
  }

  @McpTool({ name: 'test_audio_content', description: 'Tests audio content response' })
  audio() {
    return { content: [{ type: 'audio', data: TEST_AUDIO_BASE64, mimeType: 'audio/wav' }] };
  }

  @McpTool({ name: 'test_embedded_resource', description: 'Tests embedded resource content response' })
  embeddedResource() {
    return {
      content: [
        {
          type: 'resource',
          resource: { uri: 'test://embedded-resource', mimeType: 'text/plain', text: 'This is an embedded resource content.' },
        },
      ],
    };
  }

  @McpTool({ name: 'test_multiple_content_types', description: 'Tests response with multiple content types (text, image, resource)' })
  multipleContentTypes() {
    return {
      content: [
        { type: 'text', text: 'Multiple content types test:' },
        { type: 'image', data: TEST_IMAGE_BASE64, mimeType: 'image/png' },
        {
          type: 'resource',
          resource: {
            uri: 'test://mixed-content-resource',
            mimeType: 'application/json',
            text: JSON.stringify({ test: 'data', value: 123 }),
          },
        },
      ],
    };
  }

  @McpTool({ name: 'test_tool_with_logging', description: 'Tests tool that emits log messages during execution' })
  async withLogging(@McpContext() ctx: McpContext) {
    await ctx.log('info', 'Tool execution started');
    await sleep(50);
    await ctx.log('info', 'Tool processing data');
    await sleep(50);
    await ctx.log('info', 'Tool execution completed');
    return 'Tool with logging executed successfully';
  }

  @McpTool({ name: 'test_tool_with_progress', description: 'Tests tool that reports progress notifications' })
  async withProgress(@McpContext() ctx: McpContext) {
    for (const step of [0, 50, 100]) {
      await ctx.reportProgress(step, 100, `Completed step ${step} of 100`);
      if (step < 100) await sleep(50);
    }
    return 'Progress reported';
  }

  @McpTool({ name: 'test_error_handling', description: 'Tests error response handling' })
  errorHandling(): never {
    // An unexpected error: the module answers with a tool error (`isError: true`), its detail masked.
    throw new Error('This tool intentionally returns an error for testing');
  }

  @McpTool({
    name: 'test_reconnection',
    description: 'Tests SSE stream disconnection and client reconnection (SEP-1699); completes after a short delay.',
  })
  async reconnection() {
    await sleep(100);
    return 'Reconnection test completed successfully. If you received this, the client properly reconnected after stream closure.';
  }

  /** 2026-07-28 `server-stateless`: logs, and the module must drop the log when the request set no `logLevel`. */
  @McpTool({ name: 'test_logging_tool', description: 'Emits a log message (dropped unless the request asked for logs)' })
  async loggingTool(@McpContext() ctx: McpContext) {
    await ctx.log('info', 'test_logging_tool ran');
    return 'Logged';
  }

  /** 2026-07-28 `http-custom-header-server-validation` (SEP-2243): a parameter mirrored in a custom header. */
  @McpTool({ name: 'test_custom_header', description: 'Echoes a region that clients also send as a custom header' })
  customHeader(@McpArgs() args: CustomHeaderArgs) {
    return `region=${args.region}`;
  }

  @McpTool({
    name: 'json_schema_2020_12_tool',
    description: 'Tool with JSON Schema 2020-12 features for conformance testing (SEP-1613)',
    inputSchema: JSON_SCHEMA_2020_12,
  })
  jsonSchema(@McpArgs() args: Record<string, unknown>) {
    return `JSON Schema 2020-12 tool called with: ${JSON.stringify(args)}`;
  }
}

@Injectable()
export class ConformanceResources {
  @McpResource({
    uri: 'test://static-text',
    name: 'static-text',
    title: 'Static Text Resource',
    description: 'A static text resource for testing',
    mimeType: 'text/plain',
  })
  staticText() {
    return 'This is the content of the static text resource.';
  }

  @McpResource({
    uri: 'test://static-binary',
    name: 'static-binary',
    title: 'Static Binary Resource',
    description: 'A static binary resource (image) for testing',
    mimeType: 'image/png',
  })
  staticBinary() {
    return Buffer.from(TEST_IMAGE_BASE64, 'base64');
  }

  @McpResource({
    uri: 'test://watched-resource',
    name: 'watched-resource',
    title: 'Watched Resource',
    description: 'A resource clients may subscribe to',
    mimeType: 'text/plain',
  })
  watched() {
    return 'Watched resource content';
  }

  @McpResourceTemplate({
    uriTemplate: 'test://template/{id}/data',
    name: 'template',
    title: 'Resource Template',
    description: 'A resource template with parameter substitution',
    mimeType: 'application/json',
  })
  template(@McpArgs() args: TemplateIdDto) {
    return { id: args.id, templateTest: true, data: `Data for ID: ${args.id}` };
  }
}

@Injectable()
export class ConformancePrompts {
  @McpPrompt({ name: 'test_simple_prompt', title: 'Simple Test Prompt', description: 'A simple prompt without arguments' })
  simple() {
    return 'This is a simple prompt for testing.';
  }

  @McpPrompt({ name: 'test_prompt_with_arguments', title: 'Prompt With Arguments', description: 'A prompt with required arguments' })
  withArguments(@McpArgs() args: PromptWithArgumentsDto) {
    return `Prompt with arguments: arg1='${args.arg1}', arg2='${args.arg2}'`;
  }

  /** `completion-complete`: suggestions for `arg1` (the scenario accepts any list, empty included). */
  @McpComplete({ prompt: 'test_prompt_with_arguments', argument: 'arg1' })
  completeArg1(value: string) {
    return ['test', 'testing', 'tested'].filter((v) => v.startsWith(value));
  }

  @McpPrompt({
    name: 'test_prompt_with_embedded_resource',
    title: 'Prompt With Embedded Resource',
    description: 'A prompt that includes an embedded resource',
  })
  withEmbeddedResource(@McpArgs() args: PromptWithResourceDto) {
    return [
      {
        role: 'user',
        content: {
          type: 'resource',
          resource: { uri: args.resourceUri, mimeType: 'text/plain', text: 'Embedded resource content for testing.' },
        },
      },
      { role: 'user', content: { type: 'text', text: 'Please process the embedded resource above.' } },
    ];
  }

  @McpPrompt({ name: 'test_prompt_with_image', title: 'Prompt With Image', description: 'A prompt that includes image content' })
  withImage() {
    return [
      { role: 'user', content: { type: 'image', data: TEST_IMAGE_BASE64, mimeType: 'image/png' } },
      { role: 'user', content: { type: 'text', text: 'Please analyze the image above.' } },
    ];
  }
}
