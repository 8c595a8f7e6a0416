import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { McpAuthModuleOptions } from './mcp-auth.options.js';

export const {
  ConfigurableModuleClass: McpAuthConfigurableModule,
  MODULE_OPTIONS_TOKEN: MCP_MODULE_OPTIONS,
  OPTIONS_TYPE: MCP_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: MCP_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<McpAuthModuleOptions>({ moduleName: 'McpAuthorize' })
  .setClassMethodName('forRoot')
  .setExtras({ isGlobal: false }, (definition, extras) => ({ ...definition, global: extras.isGlobal }))
  .build();
