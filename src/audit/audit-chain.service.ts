import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Actor } from '../common/auth/actor';
import { DomainError } from '../common/errors/domain-error';
import { AppConfig } from '../config/app-config';
import { AuditCheckpointEntity } from './audit-checkpoint.entity';
import { AuditVerifier } from './audit-verifier';
import { AuditService } from './audit.service';
import { CheckpointResponseDto, PublicJwkDto, VerifyQueryDto, VerifyReportDto } from './dto/audit.dto';

/**
 * This node's public signing key as a JWK, for checking checkpoints outside Lintas: the key named `kid` (a retired key
 * still configured, for a checkpoint signed before a rotation), or the current key.
 */
export function nodePublicJwk(config: AppConfig, kid?: string): PublicJwkDto {
  const key = config.node.previousKeys.find((k) => k.keyId === kid) ?? config.node;
  const jwk = key.publicKey.export({ format: 'jwk' }) as { kty: string; crv: string; x: string };
  return { kty: jwk.kty, crv: jwk.crv, x: jwk.x, kid: key.keyId, alg: 'EdDSA', use: 'sig' };
}

/** The auditor's view of the audit chain: verify it, and fetch the latest signed checkpoint to keep elsewhere. */
@Injectable()
export class AuditChainService {
  private readonly verifier: AuditVerifier;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly audit: AuditService,
  ) {
    this.verifier = new AuditVerifier(dataSource, config.node.publicKey, config.node.keyId, config.node.previousKeys);
  }

  async verify(actor: Actor, query: VerifyQueryDto): Promise<VerifyReportDto> {
    const report = await this.verifier.verify({ externalCheckpoints: query.checkpoint ? [query.checkpoint] : [] });
    if (!report)
      throw new DomainError('AUDIT_VERIFICATION_RUNNING', 'A verification of the audit chain is already running; try again when it ends');
    await this.dataSource.transaction((em) =>
      this.audit.record(em, actor, {
        action: 'audit.verify',
        recordType: 'audit_chain',
        details: {
          valid: report.valid,
          checkedEvents: report.checkedEvents,
          lastSequence: report.lastSequence,
          headSequence: report.headSequence,
          ...(report.valid ? {} : { reason: report.reason, firstBadSequence: report.firstBadSequence }),
          externalCheckpoint: Boolean(query.checkpoint),
        },
      }),
    );
    return report;
  }

  async latestCheckpoint(_actor: Actor): Promise<CheckpointResponseDto> {
    const row = await this.dataSource
      .getRepository(AuditCheckpointEntity)
      .createQueryBuilder('c')
      .orderBy('c.chainSeq', 'DESC')
      .addOrderBy('c.id', 'DESC')
      .limit(1)
      .getOne();
    if (!row) throw new DomainError('AUDIT_CHECKPOINT_NOT_FOUND', 'No checkpoint has been signed yet');
    return {
      chainSeq: Number(row.chainSeq),
      headHash: row.headHash,
      createdAt: row.createdAt.toISOString(),
      kid: row.kid,
      jws: row.signature,
      publicJwk: nodePublicJwk(this.config, row.kid),
    };
  }
}
