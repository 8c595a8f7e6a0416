import { Injectable, NotFoundException } from '@nestjs/common';
import { McpArgs, McpAuthorize, McpResource, McpResourceTemplate, RequireScopes } from 'nestjs-mcp-auth';
import { NOTES_READ } from './notes.scopes.js';
import { NoteIdDto } from './dto/note-id.dto.js';
import type { Note } from './note.js';
import { NotesService } from './notes.service.js';

/** Notes as resources: the index at a fixed URI, and each note under notes://{id}. */
// A class-level check applies to every component of the provider.
@McpAuthorize(RequireScopes(NOTES_READ))
@Injectable()
export class NotesResources {
  constructor(private readonly notes: NotesService) {}

  @McpResource({
    uri: 'notes://index',
    name: 'notes-index',
    description: 'Every note: its id, title and URI.',
    mimeType: 'application/json',
  })
  index(): Array<{ id: number; title: string; uri: string }> {
    return this.notes.all().map((note) => ({ id: note.id, title: note.title, uri: `notes://${note.id}` }));
  }

  @McpResourceTemplate({
    uriTemplate: 'notes://{id}',
    name: 'note',
    description: 'One note as JSON.',
    mimeType: 'application/json',
  })
  read(@McpArgs() args: NoteIdDto): Note {
    const note = this.notes.find(args.id);
    // NotFoundException answers like an unknown resource: -32002 "Resource not found: <uri>".
    if (!note) throw new NotFoundException(`Note ${args.id} does not exist.`);
    return note;
  }
}
