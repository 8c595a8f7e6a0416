import { IsIn, IsInt, IsOptional, Min } from 'class-validator';
import { McpProperty } from 'nestjs-mcp-auth';

/** Arguments of the summarize-note prompt. Prompt arguments are strings on the wire; `id` is converted. */
export class SummarizeNoteDto {
  @McpProperty({ description: 'Identifier of the note to summarize' })
  @IsInt()
  @Min(1)
  id: number;

  @McpProperty({ description: '"short" (one sentence, the default) or "detailed"' })
  @IsOptional()
  @IsIn(['short', 'detailed'])
  style?: 'short' | 'detailed';
}
