import { Controller, Get, Headers, Query, Res } from '@nestjs/common';
import { ApiBadRequestResponse, ApiExtraModels, ApiHeader, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Authorize } from '../common/auth/decorators';
import { Permission } from '../common/auth/permissions';
import { ErrorResponseDto } from '../common/http/error-response.dto';
import { negotiateLanguage, UI_LANGUAGES, Vocabulary, vocabularyIn } from '../common/vocabulary/labels';
import { LabelledCodeDto, VocabularyQueryDto, VocabularyResponseDto } from './vocabulary.dto';

/** Labels of every code the API answers with, in the caller's language. Reads nothing but the label files. */
@ApiTags('vocabulary')
@ApiExtraModels(LabelledCodeDto)
@Controller('api/v1/vocabulary')
export class VocabularyController {
  @Get()
  @ApiOperation({
    summary: 'Labels of the codes (statuses, categories, purposes, HTCDS terms, roles…) and error messages in one language',
    description:
      'Languages: en, th, my, km, lo, vi, id, ms, fil. `lang` wins over Accept-Language; English when neither names one of them.',
  })
  @Authorize(Permission.VocabularyRead)
  @ApiHeader({
    name: 'Accept-Language',
    required: false,
    description: 'Used when `lang` is absent; q-values respected',
    schema: { type: 'string', maxLength: 1024 },
    example: 'th-TH,th;q=0.9,en;q=0.5',
  })
  @ApiOkResponse({
    type: VocabularyResponseDto,
    headers: { 'Content-Language': { description: 'The language answered', schema: { type: 'string', enum: [...UI_LANGUAGES] } } },
  })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'VALIDATION_FAILED: `lang` is not one of the nine' })
  get(
    @Query() query: VocabularyQueryDto,
    @Headers('accept-language') acceptLanguage: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Vocabulary {
    const language = query.lang ?? negotiateLanguage(acceptLanguage);
    void reply.header('content-language', language).header('vary', 'Accept-Language');
    return vocabularyIn(language);
  }
}
