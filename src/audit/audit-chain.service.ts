import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Actor } from '../common/auth/actor';
import { DomainError } from '../common/errors/domain-error';
import { AppConfig } from '../config/app-config';
import { ReadReplica } from '../database/read-replica.service';
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
  /** One verifier per DataSource: the primary's, and the read replica's once it is used. */
  private readonly verifiers = new Map<DataSource, AuditVerifier>();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly audit: AuditService,
    private readonly readReplica: ReadReplica,
  ) {}

  private verifierOn(source: DataSource): AuditVerifier {
    let verifier = this.verifiers.get(source);
    if (!verifier) {
      const node = this.config.node;
      this.verifiers.set(source, (verifier = new AuditVerifier(source, node.publicKey, node.keyId, node.previousKeys)));
    }
    return verifier;
  }

  async verify(actor: Actor, query: VerifyQueryDto): Promise<VerifyReportDto> {
    const externalCheckpoints = query.checkpoint ? [query.checkpoint] : [];
    // The walk reads only sealed, append-only rows: the read replica serves it when it streams. A checkpoint the
    // auditor brings may be newer than the replica's head (taken from the primary a moment ago): that walk stays on the
    // primary, or lag would read as a missing checkpoint.
    const run = (source: DataSource) => this.verifierOn(source).verify({ externalCheckpoints });
    const report = externalCheckpoints.length ? await run(this.dataSource) : await this.readReplica.withReader('audit.verify', run);
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
