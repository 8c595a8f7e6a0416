import { IsArray, IsDateString, IsInt, IsString } from 'class-validator';
import { McpProperty } from 'nestjs-mcp-auth';

/** A stored note. Also create-note's `outputSchema`, so its decorators describe what the tool returns. */
export class Note {
  @McpProperty({ description: 'Identifier; read the note at notes://{id}' })
  @IsInt()
  id: number;

  @IsString()
  title: string;

  @IsString()
  body: string;

  @IsArray()
  @IsString({ each: true })
  tags: string[];

  @McpProperty({ description: 'When the note was created (ISO 8601)' })
  @IsDateString()
  createdAt: string;
}
