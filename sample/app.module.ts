import { Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { McpAuthModule } from 'nestjs-mcp-auth';
import { mcpOptions } from './mcp.options.js';
import { NotesModule } from './notes/notes.module.js';

@Module({
  imports: [
    // Reads .env (if present) and the process environment.
    ConfigModule.forRoot({ isGlobal: true }),
    // forRootAsync: the options come from ConfigService, as they would in a deployed app.
    McpAuthModule.forRootAsync({ inject: [ConfigService], useFactory: mcpOptions }),
    NotesModule,
  ],
})
export class AppModule {}
