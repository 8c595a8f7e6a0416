import { IsInt, Min } from 'class-validator';
import { McpProperty } from 'nestjs-mcp-auth';

/**
 * A note id: delete-note's arguments and the variables of the notes://{id} template. URI variables arrive as
 * strings and are converted to the declared number before validation.
 */
export class NoteIdDto {
  @McpProperty({ description: 'Identifier of the note' })
  @IsInt()
  @Min(1)
  id: number;
}
