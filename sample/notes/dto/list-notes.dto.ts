import { IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import { McpProperty } from 'nestjs-mcp-auth';

/** Arguments of list-notes; both are optional, so `{}` lists the first 20 notes. */
export class ListNotesDto {
  @McpProperty({ description: 'Only notes carrying this tag' })
  @IsOptional()
  @IsString()
  tag?: string;

  @McpProperty({ description: 'At most this many notes', default: 20 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;
}
