import { Injectable } from '@nestjs/common';
import { McpArgs, McpContext, McpPrincipal, McpTool, McpToolError, RequireRoles, RequireScopes } from 'nestjs-mcp-auth';
import { CreateNoteDto } from './dto/create-note.dto.js';
import { ListNotesDto } from './dto/list-notes.dto.js';
import { NoteIdDto } from './dto/note-id.dto.js';
import { Note } from './note.js';
import { NotesService } from './notes.service.js';
import { NOTES_READ, NOTES_WRITE } from './notes.scopes.js';

/** The notes tools. Arguments are validated against the DTOs before a method runs. */
@Injectable()
export class NotesTools {
  constructor(private readonly notes: NotesService) {}

  @McpTool({ name: 'create-note', description: 'Create a note and return it.', outputSchema: Note, auth: RequireScopes(NOTES_WRITE) })
  create(@McpArgs() args: CreateNoteDto, @McpPrincipal() who: McpPrincipal): Note {
    // Handlers know who calls: the normalized principal, whatever authenticator produced it.
    void who.principal.sub;
    // A plain object is returned as structuredContent (checked against outputSchema by clients) and as JSON text.
    return this.notes.create(args.title, args.body, args.tags);
  }

  @McpTool({
    name: 'list-notes',
    description: 'List notes, newest first, optionally only those carrying a tag.',
    annotations: { readOnlyHint: true },
    auth: RequireScopes(NOTES_READ),
  })
  async list(@McpArgs() args: ListNotesDto, @McpContext() ctx: McpContext): Promise<{ total: number; notes: Note[] }> {
    const all = this.notes.all();
    const found: Note[] = [];
    for (const [index, note] of all.entries()) {
      // The signal aborts when the client cancels or disconnects: stop working for nobody.
      if (ctx.signal.aborted) break;
      if (!args.tag || note.tags.includes(args.tag)) found.push(note);
      // Sent only when the client asked for progress (a progressToken); otherwise a no-op.
      if ((index + 1) % 10 === 0 || index === all.length - 1) await ctx.reportProgress(index + 1, all.length);
    }
    return { total: found.length, notes: found.reverse().slice(0, args.limit ?? 20) };
  }

  @McpTool({
    name: 'delete-note',
    description: 'Delete a note by id.',
    annotations: { destructiveHint: true, idempotentHint: true },
    // Scopes and roles: callers without both do not even see this tool.
    auth: [RequireScopes(NOTES_WRITE), RequireRoles('editor')],
  })
  delete(@McpArgs() args: NoteIdDto): string {
    // McpToolError reaches the model as a tool error with this message (not masked), so it can correct itself.
    if (!this.notes.delete(args.id)) throw new McpToolError(`Note ${args.id} does not exist.`);
    return `Deleted note ${args.id}.`;
  }
}
