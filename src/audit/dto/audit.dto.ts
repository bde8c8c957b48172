import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { ChainFailureReason } from '../audit-chain';

const CHAIN_FAILURE_REASONS: ChainFailureReason[] = [
  'sequence_gap',
  'sequence_duplicate',
  'prev_hash_mismatch',
  'hash_mismatch',
  'checkpoint_signature_invalid',
  'checkpoint_mismatch',
];

export class VerifyQueryDto {
  @ApiPropertyOptional({
    maxLength: 4096,
    description:
      'A checkpoint JWS kept outside this deployment (from GET /api/v1/audit/checkpoints/latest, earlier): the chain must ' +
      'still hold its head hash at its sequence. Reveals a chain rewritten together with its stored checkpoints.',
  })
  @IsOptional()
  @IsString()
  @MaxLength(4096)
  @Matches(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/, { message: 'checkpoint must be a compact JWS' })
  checkpoint?: string;
}

export class VerifyReportDto {
  @ApiProperty() valid: boolean;
  @ApiProperty({ description: 'Events whose sequence, link and hash verified' }) checkedEvents: number;
  @ApiProperty({ description: 'The last sequence that verified' }) lastSequence: number;
  @ApiProperty({ description: 'The chain head when verification started' }) headSequence: number;
  @ApiPropertyOptional({ description: 'The first sequence that failed (when not valid)' }) firstBadSequence?: number;
  @ApiPropertyOptional({ enum: CHAIN_FAILURE_REASONS }) reason?: ChainFailureReason;
  @ApiPropertyOptional({ maxLength: 2000, description: 'What failed, in sequences and ids' }) detail?: string;
  @ApiProperty({ description: 'Signed checkpoints whose signature and head hash verified' }) checkedCheckpoints: number;
  @ApiProperty({ nullable: true, type: Number }) latestCheckpointSequence: number | null;
  @ApiProperty({ description: 'Events still unsealed a minute after they happened (the sealer is behind or down); not a failure' })
  unsealedBacklog: number;
  @ApiProperty() durationMs: number;
}

export class PublicJwkDto {
  @ApiProperty({ maxLength: 8, example: 'OKP' }) kty: string;
  @ApiProperty({ maxLength: 16, example: 'Ed25519' }) crv: string;
  @ApiProperty({ example: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU', maxLength: 64 }) x: string;
  @ApiProperty({ example: 'lintas-th-2026-01', maxLength: 64 }) kid: string;
  @ApiProperty({ maxLength: 16, example: 'EdDSA' }) alg: string;
  @ApiProperty({ maxLength: 8, example: 'sig' }) use: string;
}

export class CheckpointResponseDto {
  @ApiProperty({ description: 'Chain sequence the checkpoint covers' }) chainSeq: number;
  @ApiProperty({
    example: '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
    minLength: 64,
    maxLength: 64,
    description: 'Hash of the event at chainSeq (hex SHA-256)',
  })
  headHash: string;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ example: 'lintas-th-2026-01', maxLength: 64, description: 'Key id of the signing node key' }) kid: string;
  @ApiProperty({
    example: 'eyJhbGciOiJFUzI1NiJ9.eyJzZXEiOjQyfQ.c2lnbmF0dXJl',
    maxLength: 4096,
    description:
      'Compact JWS (EdDSA; header typ "lintas-audit-checkpoint+jws") over the RFC 8785 JSON {chainSeq, headHash, createdAt, node}. ' +
      'Keep it outside this deployment and present it later to GET /api/v1/audit/verify?checkpoint=…',
  })
  jws: string;
  @ApiProperty({ type: PublicJwkDto, description: "This node's public signing key, to check the JWS independently" })
  publicJwk: PublicJwkDto;
}
