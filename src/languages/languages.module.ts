import { Module } from '@nestjs/common';
import { VocabularyController } from './vocabulary.controller';

/** GET /api/v1/vocabulary: the labels of Lintas's codes in its users' languages (docs/languages.md). */
@Module({ controllers: [VocabularyController] })
export class LanguagesModule {}
