import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { Actor } from '../common/auth/actor';
import { MicroBatcher } from '../common/batching/micro-batcher';
import { DomainError, notFound } from '../common/errors/domain-error';
import { Page, pageWindow } from '../common/http/pagination';
import { IdentityField } from '../common/vocabulary';
import { AppConfig } from '../config/app-config';
import { WrappedKey } from '../crypto/case-crypto.service';
import { hydrate, runSql } from '../database/sql';
import { isCaseStaff } from './case-access';
import { CaseAccessService } from './case-access.service';
import { IDENTITY_COLUMN, openIdentity } from './case-identity';
import { CaseKeyEntity } from './case-key.entity';
import { CaseKeys } from './case-keys.service';
import { caseSummary, caseView } from './case-view';
import { CaseEntity } from './case.entity';
import { casesWithKeys } from './cases.queries';
import { ListCasesQueryDto } from './dto/case-query.dto';
import { CaseResponseDto, CaseSummaryDto, IdentityView } from './dto/case-response.dto';

type CaseWithKey = { record: CaseEntity; wrapped: WrappedKey | null };
type ReadAsk = { id: string; organisationId: string };

/**
 * The reads of cases: the list, GET /cases/{id} (the hot path: identity opened only when the rule allows it, and
 * audited before the answer leaves), and the read for a disclosure another module has already authorised.
 */
@Injectable()
export class CaseReads {
  /** The reads of GET /cases/{id} that reach the database in the same turn of the event loop go as one query. */
  private readonly reads = new MicroBatcher<ReadAsk, CaseWithKey | null>((asks) => this.readCasesWithKeys(asks));

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly access: CaseAccessService,
    private readonly keys: CaseKeys,
    private readonly audit: AuditService,
  ) {}

  async list(actor: Actor, query: ListCasesQueryDto): Promise<Page<CaseSummaryDto>> {
    const { page, limit, skip } = pageWindow(query, this.config.http.listLimitMax);
    if (!isCaseStaff(actor)) return { items: [], total: 0, page, limit };
    const qb = this.dataSource
      .getRepository(CaseEntity)
      .createQueryBuilder('c')
      .where('c.owner_organisation_id = :org', { org: actor.organisationId });
    // A caseworker's list leaves out danger-flagged cases assigned to someone else; a break-glass grant opens one case
    // by id, it does not put it in anyone's list.
    if (actor.role !== 'supervisor') qb.andWhere('(c.danger_flag = false OR c.assigned_caseworker_id = :me)', { me: actor.userId });
    if (query.status) qb.andWhere('c.status = :status', { status: query.status });
    if (query.riskLevel) qb.andWhere('c.risk_level = :risk', { risk: query.riskLevel });
    if (query.exploitationType) qb.andWhere(':et = ANY(c.exploitation_types)', { et: query.exploitationType });
    if (query.dangerFlag !== undefined) qb.andWhere('c.danger_flag = :danger', { danger: query.dangerFlag });
    if (query.assignedToMe === true) qb.andWhere('c.assigned_caseworker_id = :assignee', { assignee: actor.userId });
    if (query.assignedToMe === false)
      qb.andWhere('(c.assigned_caseworker_id IS NULL OR c.assigned_caseworker_id <> :assignee)', { assignee: actor.userId });
    const [rows, total] = await qb.orderBy('c.created_at', 'DESC').addOrderBy('c.id', 'DESC').skip(skip).take(limit).getManyAndCount();
    return { items: rows.map(caseSummary), total, page, limit };
  }

  /**
   * One case with the person's identity opened when the rule allows it. Costs the access query (case, its wrapped key
   * and ciphertext in one row), a grant look-up only for a danger-flagged case the reader is not assigned to, and one
   * audit insert. No transaction: the audit insert happens before the answer leaves, and if it fails nothing is sent.
   */
  async get(actor: Actor, id: string): Promise<CaseResponseDto> {
    if (!isCaseStaff(actor)) throw notFound('Case');
    const em = this.dataSource.manager;
    const found = await this.reads.submit({ id, organisationId: actor.organisationId });
    if (!found) throw notFound('Case');
    const { record, wrapped } = found;
    const { access, grantId } = await this.access.applyRule(em, actor, record);

    let identity: IdentityView;
    let action: string;
    if (record.identityErasedAt) {
      identity = { erased: true, erasedAt: record.identityErasedAt.toISOString() };
      action = 'case.read';
    } else if (access.identity === 'withheld_danger_flag') {
      identity = { withheld: 'danger_flag' };
      action = 'case.read';
    } else {
      if (!wrapped) throw new DomainError('CASE_KEY_UNAVAILABLE', 'The data key of this case is missing');
      identity = (await this.keys.withWrappedKey(record.id, wrapped, (key) => openIdentity(key, record)))!;
      action = 'case.read_identity';
    }
    await this.audit.record(em, actor, {
      action,
      recordType: 'case',
      recordId: id,
      purpose: access.viaBreakGlass ? 'break_glass' : 'case_management',
      ...(grantId ? { details: { breakGlassId: grantId } } : {}),
    });
    return caseView(record, identity);
  }

  /** Each asked case of its organisation (every column, ciphertext included) and its wrapped key, or null. */
  private async readCasesWithKeys(asks: ReadAsk[]): Promise<(CaseWithKey | null)[]> {
    const { rows } = await runSql(this.dataSource.manager, casesWithKeys, [asks.map((x) => x.id), asks.map((x) => x.organisationId)]);
    const byIndex = new Map(rows.map((raw) => [Number(raw.i), raw]));
    return asks.map((_, index) => {
      const raw = byIndex.get(index + 1);
      if (!raw) return null;
      const record = hydrate(this.dataSource, CaseEntity, 'c', raw);
      const wrapped =
        raw.k_wrapped_key && raw.k_master_key_id ? { masterKeyId: String(raw.k_master_key_id), wrappedKey: raw.k_wrapped_key } : null;
      return { record, wrapped };
    });
  }

  /**
   * For a disclosure the caller has already authorised (a referral packet that consent permits now): the case's
   * non-identity columns and ONLY the identity fields asked for, opened. No access check and no audit here: the
   * caller checks who may read and records the read (`referral.read_case`). Identity is null when it was erased.
   */
  async forDisclosure(
    em: EntityManager,
    caseId: string,
    fields: readonly IdentityField[],
  ): Promise<{ record: CaseEntity; identity: Partial<Record<IdentityField, unknown>> | null }> {
    const qb = em.createQueryBuilder(CaseEntity, 'c').where('c.id = :caseId', { caseId });
    if (fields.length > 0) {
      qb.addSelect(fields.map((f) => `c.${String(IDENTITY_COLUMN[f])}`))
        .leftJoin(CaseKeyEntity, 'k', 'k.case_id = c.id')
        .addSelect(['k.master_key_id AS k_master_key_id', 'k.wrapped_key AS k_wrapped_key']);
    }
    const { entities, raw } = await qb.getRawAndEntities<{ k_master_key_id: string | null; k_wrapped_key: Buffer | null }>();
    const record = entities[0];
    if (!record) throw notFound('Case');
    if (record.identityErasedAt) return { record, identity: null };
    if (fields.length === 0) return { record, identity: {} };
    const wrapped = raw[0];
    if (!wrapped.k_wrapped_key || !wrapped.k_master_key_id)
      throw new DomainError('CASE_KEY_UNAVAILABLE', 'The data key of this case is missing');
    const identity = await this.keys.withWrappedKey(
      record.id,
      { masterKeyId: wrapped.k_master_key_id, wrappedKey: wrapped.k_wrapped_key },
      (key) => {
        const out: Partial<Record<IdentityField, unknown>> = {};
        for (const field of fields) {
          const sealed = record[IDENTITY_COLUMN[field]] as Buffer | null;
          out[field] = sealed ? key.open(field, sealed) : null;
          // The ciphertext is not needed past this point.
          (record as unknown as Record<string, unknown>)[IDENTITY_COLUMN[field]] = undefined;
        }
        return out;
      },
    );
    return { record, identity };
  }
}
