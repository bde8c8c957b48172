import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class ErrorResponseDto {
  @ApiProperty({ example: 404 }) statusCode: number;
  @ApiProperty({
    maxLength: 64,
    example: 'NOT_FOUND',
    description: 'Stable machine-readable cause; the same cause has the same code everywhere',
  })
  code: string;
  @ApiProperty({ maxLength: 2000, example: 'Record not found' }) message: string;
  @ApiPropertyOptional({
    description: 'Structured detail: per-field validation errors as a list ({ field, errors }), or an object of facts about the refusal',
    oneOf: [
      { type: 'object', additionalProperties: true },
      { type: 'array', maxItems: 1000, items: { type: 'object', additionalProperties: true } },
    ],
  })
  details?: unknown;
  @ApiProperty({ maxLength: 64, example: '3f1c2a0e-7a51-4a0b-9a0c-1f1b3c2d4e5f' }) correlationId: string;
}
