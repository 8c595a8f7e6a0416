import { IsNumber } from 'class-validator';

/** Arguments of the `add` tool, validated by class-validator in the module peer. */
export class AddDto {
  @IsNumber()
  a!: number;

  @IsNumber()
  b!: number;
}
