import { BadRequestException, Injectable } from '@nestjs/common';
import { McpArgs, McpAuthorize, McpPrompt, RequireScopes } from 'nestjs-mcp-auth';
import { NOTES_READ } from './notes.scopes.js';
import { SummarizeNoteDto } from './dto/summarize-note.dto.js';
import { NotesService } from './notes.service.js';

/** Prompt templates the client can offer its user. */
@McpAuthorize(RequireScopes(NOTES_READ))
@Injectable()
export class NotesPrompts {
  constructor(private readonly notes: NotesService) {}

  @McpPrompt({ name: 'summarize-note', description: 'Ask the model to summarize one note.' })
  summarize(@McpArgs() args: SummarizeNoteDto): string {
    const note = this.notes.find(args.id);
    if (!note) throw new BadRequestException(`Note ${args.id} does not exist.`);
    const ask = args.style === 'detailed' ? 'a detailed summary, key points as a list,' : 'a one-sentence summary';
    // A string becomes one user message.
    return `Write ${ask} of this note.\n\nTitle: ${note.title}\n\n${note.body}`;
  }
}
