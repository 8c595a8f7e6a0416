import { ArrayMaxSize, IsArray, IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';
import { McpProperty } from 'nestjs-mcp-auth';

/** Arguments of create-note; the decorators become the tool's input schema and are enforced on every call. */
export class CreateNoteDto {
  @McpProperty({ description: 'Short title of the note' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  title: string;

  @McpProperty({ description: 'Text of the note' })
  @IsOptional()
  @IsString()
  @MaxLength(10_000)
  body?: string;

  @McpProperty({ description: 'Labels to find the note by', examples: [['work', 'todo']] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(10)
  @IsString({ each: true })
  tags?: string[];
}
