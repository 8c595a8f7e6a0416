import { Module } from '@nestjs/common';
import { NotesPrompts } from './notes.prompts.js';
import { NotesResources } from './notes.resources.js';
import { NotesService } from './notes.service.js';
import { NotesTools } from './notes.tools.js';

/** McpAuthModule discovers the decorated methods of these providers wherever they are declared. */
@Module({ providers: [NotesService, NotesTools, NotesResources, NotesPrompts] })
export class NotesModule {}
