import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { UI_LANGUAGES, UiLanguage, VOCABULARY_SET_NAMES, VocabularySetName } from '../common/vocabulary/labels';

export class VocabularyQueryDto {
  @ApiPropertyOptional({
    enum: UI_LANGUAGES,
    description: 'The language of the labels; without it, the Accept-Language header decides (default en)',
  })
  @IsOptional()
  @IsIn(UI_LANGUAGES)
  lang?: UiLanguage;
}

export class LabelledCodeDto {
  @ApiProperty({ maxLength: 64, example: 'in_progress', description: 'The code the API uses; the same in every language' }) code: string;
  @ApiProperty({ maxLength: 2000, example: 'กำลังดำเนินการ' }) label: string;
  @ApiProperty({ example: true, description: 'A translation not yet checked by a native speaker (English, the reference, never)' })
  needsReview: boolean;
}

const SETS_EXAMPLE = { referralStatuses: [{ code: 'in_progress', label: 'กำลังดำเนินการ', needsReview: true }] };

export class VocabularyResponseDto {
  @ApiProperty({ enum: UI_LANGUAGES, example: 'th' }) language: UiLanguage;
  @ApiProperty({ enum: UI_LANGUAGES, example: 'en', description: 'The language the others are translated from' })
  referenceLanguage: UiLanguage;
  @ApiProperty({
    description: `One list per code list, each in the vocabulary's order: ${VOCABULARY_SET_NAMES.join(', ')}`,
    type: 'object',
    additionalProperties: { type: 'array', maxItems: 1000, items: { $ref: '#/components/schemas/LabelledCodeDto' } },
    example: SETS_EXAMPLE,
  })
  sets: Record<VocabularySetName, LabelledCodeDto[]>;
  @ApiProperty({
    type: [LabelledCodeDto],
    maxItems: 1000,
    description: 'The message of every error code in this language (what an error body’s `message` says)',
  })
  errors: LabelledCodeDto[];
}
