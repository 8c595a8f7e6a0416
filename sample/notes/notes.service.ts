import { Injectable } from '@nestjs/common';
import type { Note } from './note.js';

/** The notes, kept in memory: an ordinary Nest service that knows nothing about MCP. */
@Injectable()
export class NotesService {
  private readonly notes = new Map<number, Note>();
  private nextId = 1;

  create(title: string, body = '', tags: string[] = []): Note {
    const note: Note = { id: this.nextId++, title, body, tags, createdAt: new Date().toISOString() };
    this.notes.set(note.id, note);
    return note;
  }

  find(id: number): Note | undefined {
    return this.notes.get(id);
  }

  all(): Note[] {
    return [...this.notes.values()];
  }

  delete(id: number): boolean {
    return this.notes.delete(id);
  }
}
