import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, IsNull, MoreThan } from 'typeorm';
import { AlertsService } from '../alerts/alerts.service';
import { AuditEventEntity } from '../audit/audit-event.entity';
import { AuditService } from '../audit/audit.service';
import { Actor } from '../common/auth/actor';
import { MicroBatcher } from '../common/batching/micro-batcher';
import { DomainError, notFound } from '../common/errors/domain-error';
import { Page, pageWindow, PageQueryDto } from '../common/http/pagination';
import { todayUtc } from '../common/validation/is-date-only';
import { IDENTITY_FIELDS, IdentityField, isClosedStatus, REFERRAL_CLOSURE_REASONS } from '../common/vocabulary';
import { AppConfig } from '../config/app-config';
import { CaseCryptoService } from '../crypto/case-crypto.service';
import { InsertTemplate } from '../database/insert-template';
import { plainQuery } from '../database/plain-sql';
import { BreakGlassGrantEntity } from './break-glass-grant.entity';
import { CaseAccess, caseAccess, isCaseStaff, needsBreakGlass } from './case-access';
import { CaseBlindIndexEntity } from './case-blind-index.entity';
import { caseCreateStatement, CaseCreateRow } from './case-create.statement';
import { CaseKeyEntity } from './case-key.entity';
import { deriveMinor, formatReference } from './case-reference';
import { caseSummary, caseView } from './case-view';
import { CaseEntity, LegalProceeding } from './case.entity';
import {
  AssignCaseDto,
  BreakGlassDto,
  CloseCaseDto,
  CreateCaseDto,
  EraseIdentityDto,
  IdentityDocumentDto,
  PersonInputDto,
  ProtectionInputDto,
  UpdateCaseDto,
} from './dto/case-input.dto';
import { ListCasesQueryDto } from './dto/case-query.dto';
import {
  AccessLogEntryDto,
  BreakGlassGrantDto,
  CaseResponseDto,
  CaseSummaryDto,
  CreatedCaseResponseDto,
  IdentityDto,
  IdentityView,
} from './dto/case-response.dto';

interface ReferenceAsk {
  country: string;
  year: number;
}

export interface FindCaseOptions {
  /** Lock the row (SELECT … FOR UPDATE) for a state change in the caller's transaction. */
  lock?: boolean;
}

/** The entity column that holds each identity field's ciphertext. The field name is also the ciphertext's associated data. */
const IDENTITY_COLUMN: Record<IdentityField, keyof CaseEntity> = {
  givenName: 'identityGivenName',
  familyName: 'identityFamilyName',
  dateOfBirth: 'identityDateOfBirth',
  identityDocuments: 'identityDocuments',
  phone: 'identityPhone',
  email: 'identityEmail',
  currentLocation: 'identityCurrentLocation',
};

/** How long a break-glass grant lasts: long enough to act in an emergency, short enough to need a new reason tomorrow. */
export const BREAK_GLASS_TTL_MS = 60 * 60 * 1000;
const breakGlassReasonField = (grantId: string): string => `breakGlassReason:${grantId}`;
/** The record type of a break-glass grant in alerts. */
export const BREAK_GLASS_RECORD = 'case_break_glass_grant';

type CaseChanges = Partial<CaseEntity>;
type CaseWithKey = { record: CaseEntity; wrapped: { masterKeyId: string; wrappedKey: Buffer } | null };

/**
 * Cases: the unit of work for every case change (one transaction: the row, its key, its blind index, the audit event),
 * and the reads. Identity is encrypted before it reaches the database and decrypted only for GET /cases/{id}, which
 * records a `case.read_identity` audit event before the answer leaves.
 */
@Injectable()
export class CasesService {
  private readonly logger = new Logger(CasesService.name);
  /** The creates of one turn of the event loop take their references in one statement. */
  private readonly references = new MicroBatcher<ReferenceAsk, string>((asks) => this.takeReferences(asks), { retrySingly: true });
  /** The cases INSERT, TypeORM's SQL built once per shape. */
  private readonly caseInsert: InsertTemplate<CaseEntity>;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly crypto: CaseCryptoService,
    private readonly audit: AuditService,
    private readonly alerts: AlertsService,
  ) {
    this.caseInsert = new InsertTemplate(dataSource, CaseEntity, ['createdAt', 'updatedAt']);
  }

  // ---------------------------------------------------------------- access

  /**
   * The case if this actor may see it, else the same 404 as a missing id. Identity columns are not loaded.
   * Other modules (consent, referrals, restitution) use this for their own access checks on a case.
   */
  async findAccessible(em: EntityManager, actor: Actor, caseId: string, opts: FindCaseOptions = {}): Promise<CaseEntity> {
    return (await this.resolveAccess(em, actor, caseId, opts)).record;
  }

  /** Loads the case within the actor's organisation and applies the visibility rule (see case-access.ts). */
  private async resolveAccess(
    em: EntityManager,
    actor: Actor,
    caseId: string,
    opts: FindCaseOptions = {},
  ): Promise<{ record: CaseEntity; access: CaseAccess; grantId: string | null }> {
    if (!isCaseStaff(actor)) throw notFound('Case');
    const record = await em.findOne(CaseEntity, {
      where: { id: caseId, ownerOrganisationId: actor.organisationId },
      ...(opts.lock ? { lock: { mode: 'pessimistic_write' as const } } : {}),
    });
    if (!record) throw notFound('Case');
    return { record, ...(await this.applyRule(em, actor, record)) };
  }

  private async applyRule(em: EntityManager, actor: Actor, record: CaseEntity): Promise<{ access: CaseAccess; grantId: string | null }> {
    // Only a danger-flagged case the actor is not assigned to costs the extra look-up.
    const grantId = needsBreakGlass(actor, record) ? await this.activeGrant(em, actor, record.id) : null;
    const access = caseAccess(actor, record, grantId !== null);
    if (!access.visible) throw notFound('Case');
    return { access, grantId };
  }

  private async activeGrant(em: EntityManager, actor: Actor, caseId: string): Promise<string | null> {
    const grant = await em.findOne(BreakGlassGrantEntity, {
      select: { id: true },
      where: { caseId, userId: actor.userId, expiresAt: MoreThan(new Date()) },
      order: { expiresAt: 'DESC' },
    });
    return grant?.id ?? null;
  }

  // ---------------------------------------------------------------- create

  async create(actor: Actor, dto: CreateCaseDto): Promise<CreatedCaseResponseDto> {
    if (!isCaseStaff(actor)) throw new DomainError('FORBIDDEN', 'Your role does not allow this action');
    const person: PersonInputDto = dto.person ?? {};
    const protection: ProtectionInputDto = dto.protection ?? {};
    assertReflectionPeriod(protection.reflectionPeriodStart ?? null, protection.reflectionPeriodEnd ?? null);
    assertDecisionHasStatus(dto.traffickingStatus ?? null, dto.traffickingStatusDecidedAt ?? null);

    const id = randomUUID();
    const { dataKey, wrapped } = this.crypto.newKey(id);
    try {
      const ciphertext = this.encryptIdentity(dataKey, id, person);
      const digests = (person.identityDocuments ?? []).map((d) => this.crypto.documentIndex(d));
      const today = todayUtc();
      const reference = await this.nextReference(actor.organisationCountry, new Date().getUTCFullYear());
      const values: Partial<CaseEntity> = {
        id,
        reference,
        ownerOrganisationId: actor.organisationId,
        assignedCaseworkerId: actor.userId,
        status: 'active',
        version: 1,
        ...ciphertext,
        gender: person.gender ?? null,
        citizenship: person.citizenship ?? [],
        languages: person.languages ?? [],
        minor: deriveMinor(person.dateOfBirth ?? null, dto.ageWhenTrafficked ?? null),
        traffickingStatus: dto.traffickingStatus ?? null,
        traffickingStatusDecidedByOrganisationId: dto.traffickingStatus ? actor.organisationId : null,
        traffickingStatusDecidedAt: dto.traffickingStatus ? (dto.traffickingStatusDecidedAt ?? today) : null,
        exploitationTypes: dto.exploitationTypes ?? [],
        meansOfControl: dto.meansOfControl ?? [],
        recruitmentMethods: dto.recruitmentMethods ?? [],
        recruitmentPlatforms: dto.recruitmentPlatforms ?? [],
        countryOfRecruitment: dto.countryOfRecruitment ?? null,
        countryOfExploitation: dto.countryOfExploitation ?? null,
        ageWhenTrafficked: dto.ageWhenTrafficked ?? null,
        riskLevel: protection.riskLevel ?? null,
        riskAssessedAt: protection.riskLevel ? (protection.riskAssessedAt ?? today) : (protection.riskAssessedAt ?? null),
        dangerFlag: protection.dangerFlag ?? false,
        reflectionPeriodStart: protection.reflectionPeriodStart ?? null,
        reflectionPeriodEnd: protection.reflectionPeriodEnd ?? null,
        immigrationStatus: protection.immigrationStatus ?? null,
        detentionStatus: protection.detentionStatus ?? null,
        nonPunishmentAssessment: protection.nonPunishmentAssessment ?? null,
        objectsToHomeStateNotification: protection.objectsToHomeStateNotification ?? false,
        legalProceedings: legalProceedings(dto.legalProceedings),
        createdBy: actor.userId,
      };
      // One statement (one implicit transaction): the row, its key, its blind index, the duplicates look-up and the
      // case.create audit event (case-create.statement.ts). The answer is built from what was inserted plus the
      // timestamps the insert returned, not read back.
      const [sql, parameters] = caseCreateStatement(this.caseInsert.build(values), {
        caseId: id,
        reference,
        ownerOrganisationId: actor.organisationId,
        key: wrapped,
        digests,
        audit: { actorUserId: actor.userId, actorOrganisationId: actor.organisationId, actorRole: actor.role, correlationId: actor.correlationId ?? null },
      });
      const [row] = (await plainQuery<CaseCreateRow>(this.dataSource.manager, sql, parameters)).rows;
      const record = Object.assign(new CaseEntity(), values, { createdAt: row.created_at, updatedAt: row.updated_at });
      // The caller just sent this identity: echo it without reading anything back.
      return { ...caseView(record, identityFromInput(person)), possibleDuplicates: row.possible_duplicates };
    } finally {
      dataKey.fill(0);
    }
  }

  /**
   * The next reference of the owner's country and year, taken in a statement (and so a transaction) of its own before
   * the case's: the counter row is then locked for one statement, not for the whole create (which serialised every
   * create in a country). A create that fails afterwards leaves a gap in the numbering; references are unique and
   * increasing, never reused. The creates that ask in the same turn of the event loop share one statement (see
   * takeReferences).
   */
  private nextReference(country: string, year: number): Promise<string> {
    return this.references.submit({ country, year });
  }

  /**
   * Advances each asked-for country-year counter by the number of references asked for it, in one statement, and hands
   * the numbers out in the order they were asked for. Counters are locked in a fixed order (country, year), so two
   * API processes cannot deadlock on them. `set_config(…, true)` turns synchronous_commit off for this statement's own
   * implicit transaction (rows are written only when it did), so its commit need not wait for the disk: WAL is
   * flushed in order, so the case's own synchronous commit makes this increment durable before any case can carry the
   * number.
   */
  private async takeReferences(asks: ReferenceAsk[]): Promise<string[]> {
    const counts = new Map<string, { country: string; year: number; n: number }>();
    for (const { country, year } of asks) {
      const key = `${country}-${year}`;
      const entry = counts.get(key) ?? { country, year, n: 0 };
      entry.n++;
      counts.set(key, entry);
    }
    const groups = [...counts.values()].sort((a, b) => (a.country === b.country ? a.year - b.year : a.country < b.country ? -1 : 1));
    const { rows } = await plainQuery<{ country: string; year: number; last_value: number }>(
      this.dataSource.manager,
      `INSERT INTO case_reference_counters AS r (country, year, last_value)
       SELECT u.country, u.year, u.n FROM unnest($1::char(2)[], $2::smallint[], $3::integer[]) WITH ORDINALITY AS u(country, year, n, i)
        WHERE set_config('synchronous_commit', 'off', true) = 'off'
        ORDER BY u.i
       ON CONFLICT (country, year) DO UPDATE SET last_value = r.last_value + EXCLUDED.last_value
       RETURNING r.country, r.year, r.last_value`,
      [groups.map((g) => g.country), groups.map((g) => g.year), groups.map((g) => g.n)],
    );
    // The next number to hand out per country-year: the first of the block this statement reserved.
    const next = new Map<string, number>();
    for (const row of rows) {
      const key = `${row.country}-${row.year}`;
      next.set(key, Number(row.last_value) - counts.get(key)!.n + 1);
    }
    if (next.size !== counts.size) throw new Error('case reference counters were not advanced');
    return asks.map(({ country, year }) => {
      const key = `${country}-${year}`;
      const value = next.get(key)!;
      next.set(key, value + 1);
      return formatReference(country, year, value);
    });
  }

  /**
   * Replaces the case's blind-index rows and answers the references of the caller's OWN organisation's other cases
   * that share a document. Another organisation's cases are never matched, so this cannot probe who holds whom.
   */
  private async indexDocuments(em: EntityManager, actor: Actor, caseId: string, digests: Buffer[], opts: { fresh?: boolean } = {}): Promise<string[]> {
    if (!opts.fresh) await em.delete(CaseBlindIndexEntity, { caseId });
    if (digests.length === 0) return [];
    await em.insert(
      CaseBlindIndexEntity,
      digests.map((digest) => ({ caseId, kind: 'identity_document', digest })),
    );
    const rows: Array<{ reference: string }> = await em.query(
      `SELECT DISTINCT c.reference FROM case_blind_indexes b JOIN cases c ON c.id = b.case_id
        WHERE b.digest = ANY($1::bytea[]) AND c.owner_organisation_id = $2 AND c.id <> $3
        ORDER BY c.reference`,
      [digests, actor.organisationId, caseId],
    );
    return rows.map((r) => r.reference);
  }

  private encryptIdentity(dataKey: Buffer, caseId: string, person: PersonInputDto): CaseChanges {
    const out: Record<string, Buffer | null> = {};
    for (const field of IDENTITY_FIELDS) {
      const value = person[field];
      if (value === undefined) continue;
      const empty = value === null || (Array.isArray(value) && value.length === 0);
      out[IDENTITY_COLUMN[field]] = empty ? null : this.crypto.encrypt(dataKey, caseId, field, field === 'identityDocuments' ? documents(value as IdentityDocumentDto[]) : value);
    }
    return out as CaseChanges;
  }

  // ---------------------------------------------------------------- read

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
    if (query.assignedToMe === false) qb.andWhere('(c.assigned_caseworker_id IS NULL OR c.assigned_caseworker_id <> :assignee)', { assignee: actor.userId });
    const [rows, total] = await qb.orderBy('c.created_at', 'DESC').addOrderBy('c.id', 'DESC').skip(skip).take(limit).getManyAndCount();
    return { items: rows.map(caseSummary), total, page, limit };
  }

  /**
   * One case with the person's identity decrypted when the rule allows it. Costs the access query (case, its wrapped key
   * and ciphertext in one row), a grant look-up only for a danger-flagged case the reader is not assigned to, and one
   * audit insert. No transaction: the audit insert happens before the answer leaves, and if it fails nothing is sent.
   */
  async get(actor: Actor, id: string): Promise<CaseResponseDto> {
    if (!isCaseStaff(actor)) throw notFound('Case');
    const em = this.dataSource.manager;
    const found = await this.readCaseWithKey(id, actor.organisationId);
    if (!found) throw notFound('Case');
    const { record, wrapped: key } = found;
    const { access, grantId } = await this.applyRule(em, actor, record);

    let identity: IdentityView;
    let action: string;
    if (record.identityErasedAt) {
      identity = { erased: true, erasedAt: record.identityErasedAt.toISOString() };
      action = 'case.read';
    } else if (access.identity === 'withheld_danger_flag') {
      identity = { withheld: 'danger_flag' };
      action = 'case.read';
    } else {
      if (!key) throw new DomainError('CASE_KEY_UNAVAILABLE', 'The data key of this case is missing');
      identity = this.decryptIdentity(record, key);
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

  /**
   * The hot read of GET /cases/{id}: the case of the caller's organisation (every column, ciphertext included) and its
   * wrapped data key. The reads of the requests that reach this point in the same turn of the event loop go to the
   * database as one query (MicroBatcher), each answered with its own row or none; the query text is built once and rows
   * are hydrated column by column with TypeORM's own driver conversion, so the entity equals the query builder's.
   */
  private readCaseWithKey(id: string, organisationId: string): Promise<CaseWithKey | null> {
    return (this.caseReads ??= this.caseReadBatcher()).submit({ id, organisationId });
  }

  private caseReads?: MicroBatcher<{ id: string; organisationId: string }, CaseWithKey | null>;

  private caseReadBatcher(): MicroBatcher<{ id: string; organisationId: string }, CaseWithKey | null> {
    const seen = new Set<string>();
    const columns = this.dataSource.getMetadata(CaseEntity).columns.filter((c) => !seen.has(c.databaseName) && seen.add(c.databaseName));
    const sql = `SELECT q.i, ${columns.map((c, i) => `c."${c.databaseName}" AS c${i}`).join(', ')},
                        k.master_key_id AS k_master_key_id, k.wrapped_key AS k_wrapped_key
                   FROM unnest($1::uuid[], $2::uuid[]) WITH ORDINALITY AS q(id, organisation_id, i)
                   JOIN cases c ON c.id = q.id AND c.owner_organisation_id = q.organisation_id
                   LEFT JOIN case_keys k ON k.case_id = c.id`;
    const driver = this.dataSource.driver;
    return new MicroBatcher(async (items) => {
      const rows: Array<Record<string, unknown>> = await this.dataSource.query(sql, [items.map((x) => x.id), items.map((x) => x.organisationId)]);
      const byIndex = new Map(rows.map((raw) => [Number(raw.i), raw]));
      return items.map((_, index) => {
        const raw = byIndex.get(index + 1);
        if (!raw) return null;
        const record = new CaseEntity();
        const target = record as unknown as Record<string, unknown>;
        columns.forEach((column, i) => (target[column.propertyName] = driver.prepareHydratedValue(raw[`c${i}`], column)));
        const wrapped = raw.k_wrapped_key && raw.k_master_key_id ? { masterKeyId: String(raw.k_master_key_id), wrappedKey: raw.k_wrapped_key as Buffer } : null;
        return { record, wrapped };
      });
    });
  }

  private decryptIdentity(record: CaseEntity, wrapped: { masterKeyId: string; wrappedKey: Buffer }): IdentityDto {
    const dataKey = this.crypto.unwrap(record.id, wrapped);
    try {
      const read = <T>(field: IdentityField): T | null => {
        const sealed = record[IDENTITY_COLUMN[field]] as Buffer | null;
        if (!sealed) return null;
        try {
          return this.crypto.decrypt<T>(dataKey, record.id, field, sealed);
        } catch (err) {
          // Tampering or a ciphertext copied from elsewhere: worth an operator's attention. Ids only.
          this.logger.warn({ caseId: record.id, field }, 'identity ciphertext failed authentication');
          throw err;
        }
      };
      return {
        givenName: read<string>('givenName'),
        familyName: read<string>('familyName'),
        dateOfBirth: read<string>('dateOfBirth'),
        identityDocuments: read<IdentityDocumentDto[]>('identityDocuments') ?? [],
        phone: read<string>('phone'),
        email: read<string>('email'),
        currentLocation: read<string>('currentLocation'),
      };
    } finally {
      dataKey.fill(0);
    }
  }

  // ---------------------------------------------------------------- disclosure to trusted internal callers

  /**
   * For a disclosure the caller has already authorised (a referral packet that consent permits now): the case's
   * non-identity columns and ONLY the identity fields asked for, decrypted. No access check and no audit here: the
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
    if (!wrapped.k_wrapped_key || !wrapped.k_master_key_id) throw new DomainError('CASE_KEY_UNAVAILABLE', 'The data key of this case is missing');
    const dataKey = this.crypto.unwrap(record.id, { masterKeyId: wrapped.k_master_key_id, wrappedKey: wrapped.k_wrapped_key });
    try {
      const identity: Partial<Record<IdentityField, unknown>> = {};
      for (const field of fields) {
        const sealed = record[IDENTITY_COLUMN[field]] as Buffer | null;
        identity[field] = sealed ? this.crypto.decrypt(dataKey, record.id, field, sealed) : null;
        // The ciphertext is not needed past this point.
        (record as unknown as Record<string, unknown>)[IDENTITY_COLUMN[field]] = undefined;
      }
      return { record, identity };
    } finally {
      dataKey.fill(0);
    }
  }

  /**
   * A referral accepted with transferOwnership: the receiving organisation becomes the owner, the assignee is cleared
   * (the new owner assigns one of its own), in the caller's transaction, audited as case.ownership_transferred.
   */
  async transferOwnership(
    em: EntityManager,
    actor: Actor,
    caseId: string,
    toOrganisationId: string,
    referralId: string,
  ): Promise<{ fromOrganisationId: string }> {
    const record = await em.findOne(CaseEntity, { where: { id: caseId }, lock: { mode: 'pessimistic_write' } });
    if (!record) throw notFound('Case');
    const fromOrganisationId = record.ownerOrganisationId;
    const version = record.version + 1;
    await em.update(CaseEntity, { id: caseId, version: record.version }, { ownerOrganisationId: toOrganisationId, assignedCaseworkerId: null, version });
    await this.audit.record(em, actor, {
      action: 'case.ownership_transferred',
      recordType: 'case',
      recordId: caseId,
      details: { fromOrganisationId, toOrganisationId, referralId, previousAssigneeId: record.assignedCaseworkerId, version },
    });
    return { fromOrganisationId };
  }

  // ---------------------------------------------------------------- change

  async update(actor: Actor, id: string, expectedVersion: number, dto: UpdateCaseDto): Promise<CaseResponseDto> {
    const fields = changedFields(dto);
    if (fields.length === 0) {
      throw new DomainError('VALIDATION_FAILED', 'Request validation failed', [{ field: '(body)', errors: ['names no field to change'] }]);
    }
    return this.dataSource.transaction(async (em) => {
      const { record } = await this.resolveAccess(em, actor, id, { lock: true });
      assertVersion(record, expectedVersion);
      if (isClosedStatus(record.status)) throw new DomainError('CASE_CLOSED', 'A closed case cannot be changed');

      const person: PersonInputDto = dto.person ?? {};
      const protection: ProtectionInputDto = dto.protection ?? {};
      const changes: CaseChanges = {};
      const today = todayUtc();

      const identityTouched = IDENTITY_FIELDS.some((f) => person[f] !== undefined);
      let storedDateOfBirth: string | null | undefined;
      if (identityTouched || dto.ageWhenTrafficked !== undefined) {
        const key = await em.findOne(CaseKeyEntity, { where: { caseId: id } });
        if (identityTouched && (record.identityErasedAt || !key?.wrappedKey)) {
          throw new DomainError('CASE_IDENTITY_ERASED', 'The identity of this case was erased and cannot be written again');
        }
        if (key?.wrappedKey) {
          const dataKey = this.crypto.unwrap(id, { masterKeyId: key.masterKeyId, wrappedKey: key.wrappedKey });
          try {
            Object.assign(changes, this.encryptIdentity(dataKey, id, person));
            // `minor` needs the date of birth when only the age changes.
            if (dto.ageWhenTrafficked !== undefined && person.dateOfBirth === undefined) storedDateOfBirth = await this.storedDateOfBirth(em, id, dataKey);
          } finally {
            dataKey.fill(0);
          }
        }
        if (person.identityDocuments !== undefined) {
          await this.indexDocuments(em, actor, id, (person.identityDocuments ?? []).map((d) => this.crypto.documentIndex(d)));
        }
      }
      if (person.dateOfBirth !== undefined || dto.ageWhenTrafficked !== undefined) {
        const dob = person.dateOfBirth !== undefined ? person.dateOfBirth : storedDateOfBirth;
        const age = dto.ageWhenTrafficked !== undefined ? dto.ageWhenTrafficked : record.ageWhenTrafficked;
        changes.minor = deriveMinor(dob ?? null, age ?? null);
      }
      if (person.gender !== undefined) changes.gender = person.gender;
      if (person.citizenship !== undefined) changes.citizenship = person.citizenship ?? [];
      if (person.languages !== undefined) changes.languages = person.languages ?? [];

      if (dto.status !== undefined) changes.status = dto.status;
      if (dto.traffickingStatus !== undefined) {
        changes.traffickingStatus = dto.traffickingStatus;
        changes.traffickingStatusDecidedByOrganisationId = dto.traffickingStatus ? actor.organisationId : null;
        changes.traffickingStatusDecidedAt = dto.traffickingStatus ? (dto.traffickingStatusDecidedAt ?? today) : null;
      } else if (dto.traffickingStatusDecidedAt !== undefined) {
        assertDecisionHasStatus(record.traffickingStatus, dto.traffickingStatusDecidedAt);
        changes.traffickingStatusDecidedAt = dto.traffickingStatusDecidedAt;
      }
      if (dto.exploitationTypes !== undefined) changes.exploitationTypes = dto.exploitationTypes ?? [];
      if (dto.meansOfControl !== undefined) changes.meansOfControl = dto.meansOfControl ?? [];
      if (dto.recruitmentMethods !== undefined) changes.recruitmentMethods = dto.recruitmentMethods ?? [];
      if (dto.recruitmentPlatforms !== undefined) changes.recruitmentPlatforms = dto.recruitmentPlatforms ?? [];
      if (dto.countryOfRecruitment !== undefined) changes.countryOfRecruitment = dto.countryOfRecruitment;
      if (dto.countryOfExploitation !== undefined) changes.countryOfExploitation = dto.countryOfExploitation;
      if (dto.ageWhenTrafficked !== undefined) changes.ageWhenTrafficked = dto.ageWhenTrafficked;

      if (protection.riskLevel !== undefined) {
        changes.riskLevel = protection.riskLevel;
        changes.riskAssessedAt = protection.riskLevel ? (protection.riskAssessedAt ?? today) : (protection.riskAssessedAt ?? null);
      } else if (protection.riskAssessedAt !== undefined) changes.riskAssessedAt = protection.riskAssessedAt;
      if (protection.dangerFlag !== undefined) changes.dangerFlag = protection.dangerFlag ?? false;
      if (protection.reflectionPeriodStart !== undefined) changes.reflectionPeriodStart = protection.reflectionPeriodStart;
      if (protection.reflectionPeriodEnd !== undefined) changes.reflectionPeriodEnd = protection.reflectionPeriodEnd;
      if (protection.immigrationStatus !== undefined) changes.immigrationStatus = protection.immigrationStatus;
      if (protection.detentionStatus !== undefined) changes.detentionStatus = protection.detentionStatus;
      if (protection.nonPunishmentAssessment !== undefined) changes.nonPunishmentAssessment = protection.nonPunishmentAssessment;
      if (protection.objectsToHomeStateNotification !== undefined) {
        changes.objectsToHomeStateNotification = protection.objectsToHomeStateNotification ?? false;
      }
      if (dto.legalProceedings !== undefined) changes.legalProceedings = legalProceedings(dto.legalProceedings);

      assertReflectionPeriod(
        changes.reflectionPeriodStart !== undefined ? changes.reflectionPeriodStart : record.reflectionPeriodStart,
        changes.reflectionPeriodEnd !== undefined ? changes.reflectionPeriodEnd : record.reflectionPeriodEnd,
      );
      return this.commitChange(em, actor, record, changes, { action: 'case.update', details: { fields } });
    });
  }

  /** The stored date of birth, decrypted inside the server only to re-derive `minor`; never returned. */
  private async storedDateOfBirth(em: EntityManager, id: string, dataKey: Buffer): Promise<string | null> {
    const row = await em.findOne(CaseEntity, { select: { id: true, identityDateOfBirth: true }, where: { id } });
    return row?.identityDateOfBirth ? this.crypto.decrypt<string>(dataKey, id, 'dateOfBirth', row.identityDateOfBirth) : null;
  }

  async close(actor: Actor, id: string, expectedVersion: number | undefined, dto: CloseCaseDto): Promise<CaseResponseDto> {
    return this.dataSource.transaction(async (em) => {
      const { record } = await this.resolveAccess(em, actor, id, { lock: true });
      if (expectedVersion !== undefined) assertVersion(record, expectedVersion);
      if (isClosedStatus(record.status)) throw new DomainError('CASE_CLOSED', 'The case is already closed');
      const status = REFERRAL_CLOSURE_REASONS.includes(dto.reason) ? 'closed_referred' : 'closed';
      return this.commitChange(
        em,
        actor,
        record,
        { status, closureReason: dto.reason, closedAt: new Date(), closedBy: actor.userId },
        { action: 'case.close', details: { reason: dto.reason, status } },
      );
    });
  }

  async assign(actor: Actor, id: string, expectedVersion: number | undefined, dto: AssignCaseDto): Promise<CaseResponseDto> {
    return this.dataSource.transaction(async (em) => {
      const { record } = await this.resolveAccess(em, actor, id, { lock: true });
      if (expectedVersion !== undefined) assertVersion(record, expectedVersion);
      if (isClosedStatus(record.status)) throw new DomainError('CASE_CLOSED', 'A closed case cannot be reassigned');
      const rows: Array<{ id: string }> = await em.query(
        `SELECT id FROM users WHERE id = $1 AND organisation_id = $2 AND role IN ('caseworker', 'supervisor') AND disabled_at IS NULL`,
        [dto.caseworkerId, record.ownerOrganisationId],
      );
      if (rows.length === 0) {
        throw new DomainError('CASE_ASSIGNEE_INVALID', 'The assignee must be an active caseworker or supervisor of the case’s organisation');
      }
      return this.commitChange(
        em,
        actor,
        record,
        { assignedCaseworkerId: dto.caseworkerId },
        { action: 'case.assign', details: { assignedCaseworkerId: dto.caseworkerId, previousAssigneeId: record.assignedCaseworkerId } },
      );
    });
  }

  /**
   * Crypto-shredding: the case's data key is destroyed (wrapped key nulled, row kept with destroyed_at), the identity
   * ciphertext and blind-index rows are deleted, and break-glass reasons (encrypted under the same key) go with them.
   * The rest of the case and every audit event stay. Not reversible.
   */
  async eraseIdentity(actor: Actor, id: string, expectedVersion: number | undefined, dto: EraseIdentityDto): Promise<CaseResponseDto> {
    return this.dataSource.transaction(async (em) => {
      const { record } = await this.resolveAccess(em, actor, id, { lock: true });
      if (expectedVersion !== undefined) assertVersion(record, expectedVersion);
      const key = await em.findOne(CaseKeyEntity, { where: { caseId: id }, lock: { mode: 'pessimistic_write' } });
      if (record.identityErasedAt || !key?.wrappedKey) throw new DomainError('CASE_IDENTITY_ERASED', 'The identity of this case was already erased');
      const now = new Date();
      await em.update(CaseKeyEntity, { caseId: id }, { wrappedKey: null, destroyedAt: now });
      await em.delete(CaseBlindIndexEntity, { caseId: id });
      await em.update(BreakGlassGrantEntity, { caseId: id }, { reasonCiphertext: null });
      const cleared = Object.fromEntries(IDENTITY_FIELDS.map((f) => [IDENTITY_COLUMN[f], null])) as CaseChanges;
      const view = await this.commitChange(em, actor, record, { ...cleared, identityErasedAt: now }, { action: 'case.erase_identity', details: { reason: dto.reason } });
      return { ...view, person: { ...view.person, identity: { erased: true, erasedAt: now.toISOString() } } };
    });
  }

  /** Writes the change with the next version (the row is locked, so the version check has already held) and audits it. */
  private async commitChange(
    em: EntityManager,
    actor: Actor,
    record: CaseEntity,
    changes: CaseChanges,
    event: { action: string; details: Record<string, unknown> },
  ): Promise<CaseResponseDto> {
    const version = record.version + 1;
    const result = await em.update(CaseEntity, { id: record.id, version: record.version }, { ...changes, version });
    if (result.affected !== 1) throw new DomainError('PRECONDITION_FAILED', 'The case changed meanwhile; GET it again');
    await this.audit.record(em, actor, { action: event.action, recordType: 'case', recordId: record.id, details: { ...event.details, version } });
    return caseView(await em.findOneOrFail(CaseEntity, { where: { id: record.id } }));
  }

  // ---------------------------------------------------------------- break-glass

  /**
   * Break-glass (how Lintas reads issue 3, item 5): the normal rule hides a danger-flagged case from the owning
   * organisation's caseworkers who are not assigned to it, and hides the person's identity from its supervisors
   * (they supervise the case, not the person's whereabouts). Such a user may open the case, identity included, only by
   * stating a reason: the grant lasts an hour, the reason is stored encrypted under the case's key, the audit event
   * (`case.break_glass`) refers to the grant by id, and a `break_glass_review` alert asks another supervisor to review it.
   * Nobody outside the owning organisation can break the glass: for them the case does not exist.
   */
  async breakGlass(actor: Actor, id: string, dto: BreakGlassDto): Promise<BreakGlassGrantDto> {
    if (!isCaseStaff(actor)) throw notFound('Case');
    return this.dataSource.transaction(async (em) => {
      const record = await em.findOne(CaseEntity, { where: { id, ownerOrganisationId: actor.organisationId }, lock: { mode: 'pessimistic_write' } });
      if (!record) throw notFound('Case');
      if (!needsBreakGlass(actor, record)) throw new DomainError('BREAK_GLASS_NOT_NEEDED', 'You can already open this case; no break-glass is needed');
      const key = await em.findOne(CaseKeyEntity, { where: { caseId: id } });
      if (record.identityErasedAt || !key?.wrappedKey) {
        throw new DomainError('CASE_IDENTITY_ERASED', 'The identity of this case was erased; there is nothing left to break the glass for');
      }
      const grantId = randomUUID();
      const dataKey = this.crypto.unwrap(id, { masterKeyId: key.masterKeyId, wrappedKey: key.wrappedKey });
      let reasonCiphertext: Buffer;
      try {
        reasonCiphertext = this.crypto.encrypt(dataKey, id, breakGlassReasonField(grantId), dto.reason);
      } finally {
        dataKey.fill(0);
      }
      const expiresAt = new Date(Date.now() + BREAK_GLASS_TTL_MS);
      await em.insert(BreakGlassGrantEntity, { id: grantId, caseId: id, userId: actor.userId, organisationId: actor.organisationId, reasonCiphertext, expiresAt });
      await this.audit.record(em, actor, {
        action: 'case.break_glass',
        recordType: 'case',
        recordId: id,
        purpose: 'break_glass',
        details: { breakGlassId: grantId, expiresAt: expiresAt.toISOString() },
      });
      // For the organisation's supervisors; the one who broke the glass is its subject and may not resolve it.
      await this.alerts.raise(em, {
        type: 'break_glass_review',
        organisationId: actor.organisationId,
        audience: 'supervisors',
        recordType: BREAK_GLASS_RECORD,
        recordId: grantId,
        caseId: id,
        subjectUserId: actor.userId,
      });
      const grant = await em.findOneOrFail(BreakGlassGrantEntity, { where: { id: grantId } });
      return grantView(grant);
    });
  }

  /** The case's break-glass grants with their reasons, for the organisation's supervisors to review. */
  async listBreakGlass(actor: Actor, id: string): Promise<BreakGlassGrantDto[]> {
    const em = this.dataSource.manager;
    await this.resolveAccess(em, actor, id);
    const grants = await em.find(BreakGlassGrantEntity, { where: { caseId: id }, order: { grantedAt: 'DESC' }, take: 100 });
    const key = await em.findOne(CaseKeyEntity, { where: { caseId: id } });
    if (!key?.wrappedKey || grants.length === 0) return grants.map((g) => grantView(g, null));
    const dataKey = this.crypto.unwrap(id, { masterKeyId: key.masterKeyId, wrappedKey: key.wrappedKey });
    try {
      return grants.map((g) =>
        grantView(g, g.reasonCiphertext ? this.crypto.decrypt<string>(dataKey, id, breakGlassReasonField(g.id), g.reasonCiphertext) : null),
      );
    } finally {
      dataKey.fill(0);
    }
  }

  /** A supervisor other than the one who broke the glass marks the grant reviewed. */
  async reviewBreakGlass(actor: Actor, id: string, grantId: string): Promise<BreakGlassGrantDto> {
    return this.dataSource.transaction(async (em) => {
      await this.resolveAccess(em, actor, id);
      const grant = await em.findOne(BreakGlassGrantEntity, { where: { id: grantId, caseId: id }, lock: { mode: 'pessimistic_write' } });
      if (!grant) throw notFound('Break-glass grant');
      if (grant.userId === actor.userId) throw new DomainError('BREAK_GLASS_SELF_REVIEW', 'Another supervisor must review your own break-glass access');
      if (grant.reviewedAt) throw new DomainError('BREAK_GLASS_ALREADY_REVIEWED', 'This break-glass access was already reviewed');
      await em.update(BreakGlassGrantEntity, { id: grantId, reviewedAt: IsNull() }, { reviewedAt: new Date(), reviewedBy: actor.userId });
      await this.audit.record(em, actor, { action: 'case.break_glass_review', recordType: 'case', recordId: id, details: { breakGlassId: grantId } });
      // The review is recorded on the grant (who, when) and in the audit log; the alert has done its job.
      await this.alerts.resolveOpenForRecord(em, { type: 'break_glass_review', recordType: BREAK_GLASS_RECORD, recordId: grantId }, 'no_longer_applies');
      return grantView(await em.findOneOrFail(BreakGlassGrantEntity, { where: { id: grantId } }));
    });
  }

  // ---------------------------------------------------------------- access log

  /** Who touched this case and when, from the audit log: user, role, action, time, purpose. Newest first. */
  async accessLog(actor: Actor, id: string, query: PageQueryDto): Promise<Page<AccessLogEntryDto>> {
    const { page, limit, skip } = pageWindow(query, this.config.http.listLimitMax);
    const em = this.dataSource.manager;
    await this.resolveAccess(em, actor, id);
    const [rows, total] = await em.findAndCount(AuditEventEntity, {
      where: { recordType: 'case', recordId: id },
      order: { id: 'DESC' },
      skip,
      take: limit,
    });
    return {
      items: rows.map((r) => ({
        id: String(r.id),
        occurredAt: r.occurredAt.toISOString(),
        userId: r.actorUserId,
        role: r.actorRole,
        organisationId: r.actorOrganisationId,
        action: r.action,
        purpose: r.purpose,
      })),
      total,
      page,
      limit,
    };
  }
}

// ---------------------------------------------------------------- helpers

function assertVersion(record: CaseEntity, expected: number): void {
  if (record.version !== expected) {
    throw new DomainError('PRECONDITION_FAILED', 'The case changed since you read it; GET it again', { currentVersion: record.version });
  }
}

function assertReflectionPeriod(start: string | null | undefined, end: string | null | undefined): void {
  if (start && end && start > end) {
    throw new DomainError('VALIDATION_FAILED', 'Request validation failed', [
      { field: 'protection.reflectionPeriodEnd', errors: ['reflectionPeriodEnd must not be before reflectionPeriodStart'] },
    ]);
  }
}

function assertDecisionHasStatus(status: string | null | undefined, decidedAt: string | null | undefined): void {
  if (decidedAt && !status) {
    throw new DomainError('VALIDATION_FAILED', 'Request validation failed', [
      { field: 'traffickingStatusDecidedAt', errors: ['traffickingStatusDecidedAt needs a traffickingStatus'] },
    ]);
  }
}

function documents(list: IdentityDocumentDto[]): IdentityDocumentDto[] {
  return list.map((d) => ({ type: d.type, number: d.number, country: d.country }));
}

function legalProceedings(list: CreateCaseDto['legalProceedings']): LegalProceeding[] {
  return (list ?? []).map((p) => ({ jurisdiction: p.jurisdiction, caseNumber: p.caseNumber ?? null, role: p.role, nextHearing: p.nextHearing ?? null }));
}

function identityFromInput(person: PersonInputDto): IdentityDto {
  return {
    givenName: person.givenName ?? null,
    familyName: person.familyName ?? null,
    dateOfBirth: person.dateOfBirth ?? null,
    identityDocuments: documents(person.identityDocuments ?? []),
    phone: person.phone ?? null,
    email: person.email ?? null,
    currentLocation: person.currentLocation ?? null,
  };
}

function grantView(g: BreakGlassGrantEntity, reason?: string | null): BreakGlassGrantDto {
  return {
    id: g.id,
    caseId: g.caseId,
    userId: g.userId,
    grantedAt: g.grantedAt.toISOString(),
    expiresAt: g.expiresAt.toISOString(),
    ...(reason !== undefined ? { reason } : {}),
    reviewedAt: g.reviewedAt ? g.reviewedAt.toISOString() : null,
    reviewedBy: g.reviewedBy,
  };
}

/** Names (never values) of what a PATCH changes, for the audit entry. */
function changedFields(dto: UpdateCaseDto): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(dto)) {
    if (v === undefined || ((k === 'person' || k === 'protection') && v === null)) continue;
    if ((k === 'person' || k === 'protection') && v !== null && typeof v === 'object') {
      for (const [sub, sv] of Object.entries(v)) if (sv !== undefined) out.push(`${k}.${sub}`);
    } else out.push(k);
  }
  return out;
}
