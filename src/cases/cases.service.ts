import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { Actor } from '../common/auth/actor';
import { DomainError, notFound } from '../common/errors/domain-error';
import { todayUtc } from '../common/validation/is-date-only';
import { IDENTITY_FIELDS, IdentityField, isClosedStatus, REFERRAL_CLOSURE_REASONS } from '../common/vocabulary';
import { CaseCryptoService } from '../crypto/case-crypto.service';
import { entityInsertValues, runSql } from '../database/sql';
import { isActiveCaseStaff } from '../users/user-checks';
import { BreakGlassGrantEntity } from './break-glass-grant.entity';
import { isCaseStaff } from './case-access';
import { CaseAccessService, FindCaseOptions } from './case-access.service';
import { CaseBlindIndexEntity } from './case-blind-index.entity';
import { writeBlindIndex } from './case-blind-index';
import { CaseCorrections } from './case-corrections.service';
import { CaseChanges, clearedIdentity, identityFromInput, sealIdentity } from './case-identity';
import { CaseKey, CaseKeys } from './case-keys.service';
import { CaseReads } from './case-reads.service';
import { CaseReferences } from './case-references';
import { assertCreatable, assertVersion, caseCreateValues, caseUpdateChanges, changedFields } from './case-update.mapper';
import { caseView } from './case-view';
import { CaseEntity } from './case.entity';
import { caseCreateParameters, createCase, sharedDocumentReferences } from './cases.queries';
import { CASE_JOBS, CaseCorrectedPayload, CaseIdentityErasedPayload } from './jobs/case.jobs';
import { OutboxService } from '../outbox/outbox.service';
import {
  AssignCaseDto,
  CloseCaseDto,
  CreateCaseDto,
  EraseIdentityDto,
  IdentityDocumentDto,
  PersonInputDto,
  UpdateCaseDto,
} from './dto/case-input.dto';
import { CaseResponseDto, CreatedCaseResponseDto } from './dto/case-response.dto';

export type { FindCaseOptions } from './case-access.service';

/**
 * Cases: the unit of work for every case change (one transaction: the row, its key, its blind index, the audit event).
 * Identity is sealed under the case's key (CaseKeys) before it reaches the database. Reads are CaseReads'; who may
 * see a case is CaseAccessService's; break-glass is BreakGlassService's. Other modules (consent, referrals,
 * restitution) use findAccessible, forDisclosure and transferOwnership from here.
 */
@Injectable()
export class CasesService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly crypto: CaseCryptoService,
    private readonly keys: CaseKeys,
    private readonly access: CaseAccessService,
    private readonly reads: CaseReads,
    private readonly references: CaseReferences,
    private readonly audit: AuditService,
    private readonly outbox: OutboxService,
    private readonly corrections: CaseCorrections,
  ) {}

  /** The case if this actor may see it, else the same 404 as a missing id. Identity columns are not loaded. */
  findAccessible(em: EntityManager, actor: Actor, caseId: string, opts: FindCaseOptions = {}): Promise<CaseEntity> {
    return this.access.findAccessible(em, actor, caseId, opts);
  }

  /** The organisation that owns the case, or null when there is no such case. No access check: for other modules' own rules. */
  async ownerOf(em: EntityManager, caseId: string): Promise<string | null> {
    const row = await em.findOne(CaseEntity, { select: { id: true, ownerOrganisationId: true }, where: { id: caseId } });
    return row?.ownerOrganisationId ?? null;
  }

  /** The names of the fields a correction changed (a rectification sent on to a recipient), or null. */
  correctionFields(em: EntityManager, caseId: string, correctionId: string): Promise<string[] | null> {
    return this.corrections.fieldsOf(em, caseId, correctionId);
  }

  /** See CaseReads.forDisclosure: for a disclosure the caller has already authorised and audits itself. */
  forDisclosure(em: EntityManager, caseId: string, fields: readonly IdentityField[]): ReturnType<CaseReads['forDisclosure']> {
    return this.reads.forDisclosure(em, caseId, fields);
  }

  // ---------------------------------------------------------------- create

  async create(actor: Actor, dto: CreateCaseDto): Promise<CreatedCaseResponseDto> {
    if (!isCaseStaff(actor)) throw new DomainError('FORBIDDEN', 'Your role does not allow this action');
    assertCreatable(dto);
    const person: PersonInputDto = dto.person ?? {};
    const id = randomUUID();
    const { result: sealed, wrapped } = this.keys.withNewKey(id, (key) => sealIdentity(key, person));
    const documents = person.identityDocuments ?? [];
    const digests = documents.map((d) => this.crypto.documentIndex(d));
    const lookups = documents.flatMap((d) => this.crypto.documentLookups(d));
    const reference = await this.references.next(actor.organisationCountry, new Date().getUTCFullYear());
    const values = caseCreateValues(dto, sealed, {
      id,
      reference,
      organisationId: actor.organisationId,
      userId: actor.userId,
      today: todayUtc(),
    });
    // One statement (one implicit transaction): the row, its key, its blind index, the duplicates look-up and the
    // case.create audit event (cases.queries.ts). The answer is built from what was inserted plus the timestamps the
    // insert returned, not read back.
    const parameters = [
      ...entityInsertValues(this.dataSource, CaseEntity, values),
      ...caseCreateParameters({
        caseId: id,
        reference,
        ownerOrganisationId: actor.organisationId,
        key: wrapped,
        digests,
        blindIndexKeyId: this.crypto.blindIndexKeyId,
        lookups,
        audit: {
          actorUserId: actor.userId,
          actorOrganisationId: actor.organisationId,
          actorRole: actor.role,
          correlationId: actor.correlationId ?? null,
        },
      }),
    ];
    const [row] = (await runSql(this.dataSource.manager, createCase, parameters)).rows;
    const record = Object.assign(new CaseEntity(), values, { createdAt: row.created_at, updatedAt: row.updated_at });
    // The caller just sent this identity: echo it without reading anything back.
    return { ...caseView(record, identityFromInput(person)), possibleDuplicates: row.possible_duplicates };
  }

  // ---------------------------------------------------------------- change

  async update(actor: Actor, id: string, expectedVersion: number, dto: UpdateCaseDto): Promise<CaseResponseDto> {
    const fields = changedFields(dto);
    if (fields.length === 0) {
      throw new DomainError('VALIDATION_FAILED', 'Request validation failed', [{ field: '(body)', errors: ['names no field to change'] }]);
    }
    return this.dataSource.transaction(async (em) => {
      const { record } = await this.access.resolve(em, actor, id, { lock: true });
      assertVersion(record, expectedVersion);
      if (isClosedStatus(record.status)) throw new DomainError('CASE_CLOSED', 'A closed case cannot be changed');

      const person: PersonInputDto = dto.person ?? {};
      const identityTouched = IDENTITY_FIELDS.some((f) => person[f] !== undefined);
      if (identityTouched && record.identityErasedAt) throw erasedIdentity();
      let sealed: CaseChanges = {};
      let storedDateOfBirth: string | null | undefined;
      // The correction keeps the values it replaces, sealed under the case key (case_corrections). A case whose key is
      // gone (erased identity) or unavailable here still takes a change that touches no identity, without old values.
      const correctionId = randomUUID();
      const oldValuesCiphertext = await this.keys.withCaseKey(
        em,
        id,
        async (key) => {
          const old = await this.corrections.sealOldValues(em, key, record, correctionId, fields);
          if (identityTouched) sealed = sealIdentity(key, person);
          // `minor` needs the date of birth when only the age changes.
          if (dto.ageWhenTrafficked !== undefined && person.dateOfBirth === undefined)
            storedDateOfBirth = await this.storedDateOfBirth(em, id, key);
          return old;
        },
        identityTouched ? {} : { unavailable: 'null' },
      );
      if (!oldValuesCiphertext && identityTouched) throw erasedIdentity();
      if (person.identityDocuments !== undefined) {
        await this.indexDocuments(em, actor, id, person.identityDocuments ?? []);
      }
      const changes = {
        ...sealed,
        ...caseUpdateChanges(record, dto, { organisationId: actor.organisationId, today: todayUtc(), storedDateOfBirth }),
      };
      const view = await this.commitChange(em, actor, record, changes, {
        action: 'case.update',
        details: { fields, correctionId },
      });
      await this.corrections.record(em, actor, {
        id: correctionId,
        caseId: id,
        versionBefore: record.version,
        fields,
        oldValuesCiphertext,
      });
      // The recipients of the case are told in the same transaction's outbox (ids and field names only).
      await this.outbox.add(em, {
        type: CASE_JOBS.corrected,
        payload: { caseId: id, correctionId, fields: fields.join(',') } satisfies CaseCorrectedPayload,
        correlationId: actor.correlationId,
      });
      return view;
    });
  }

  /** The stored date of birth, opened inside the server only to re-derive `minor`; never returned. */
  private async storedDateOfBirth(em: EntityManager, id: string, key: CaseKey): Promise<string | null> {
    const row = await em.findOne(CaseEntity, { select: { id: true, identityDateOfBirth: true }, where: { id } });
    return row?.identityDateOfBirth ? key.open<string>('dateOfBirth', row.identityDateOfBirth) : null;
  }

  /**
   * Replaces the case's blind-index rows and answers the references of the caller's OWN organisation's other cases
   * that share a document. Another organisation's cases are never matched, so this cannot probe who holds whom.
   */
  private async indexDocuments(em: EntityManager, actor: Actor, caseId: string, documents: IdentityDocumentDto[]): Promise<string[]> {
    await writeBlindIndex(em, this.crypto, caseId, documents);
    if (documents.length === 0) return [];
    const lookups = documents.flatMap((d) => this.crypto.documentLookups(d));
    const { rows } = await runSql(em, sharedDocumentReferences, [lookups, actor.organisationId, caseId]);
    return rows.map((r) => r.reference);
  }

  async close(actor: Actor, id: string, expectedVersion: number | undefined, dto: CloseCaseDto): Promise<CaseResponseDto> {
    return this.dataSource.transaction(async (em) => {
      const { record } = await this.access.resolve(em, actor, id, { lock: true });
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
      const { record } = await this.access.resolve(em, actor, id, { lock: true });
      if (expectedVersion !== undefined) assertVersion(record, expectedVersion);
      if (isClosedStatus(record.status)) throw new DomainError('CASE_CLOSED', 'A closed case cannot be reassigned');
      if (!(await isActiveCaseStaff(em, dto.caseworkerId, record.ownerOrganisationId))) {
        throw new DomainError(
          'CASE_ASSIGNEE_INVALID',
          'The assignee must be an active caseworker or supervisor of the case’s organisation',
        );
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
   * ciphertext and blind-index rows are deleted, and break-glass reasons (sealed under the same key) go with them.
   * The rest of the case and every audit event stay. Not reversible.
   */
  async eraseIdentity(actor: Actor, id: string, expectedVersion: number | undefined, dto: EraseIdentityDto): Promise<CaseResponseDto> {
    return this.dataSource.transaction(async (em) => {
      const { record } = await this.access.resolve(em, actor, id, { lock: true });
      if (expectedVersion !== undefined) assertVersion(record, expectedVersion);
      if (record.identityErasedAt || !(await this.keys.destroy(em, id)))
        throw erasedIdentity('The identity of this case was already erased');
      const now = new Date();
      await em.delete(CaseBlindIndexEntity, { caseId: id });
      await em.update(BreakGlassGrantEntity, { caseId: id }, { reasonCiphertext: null });
      const view = await this.commitChange(
        em,
        actor,
        record,
        { ...clearedIdentity(), identityErasedAt: now },
        { action: 'case.erase_identity', details: { reason: dto.reason } },
      );
      // Every organisation that received the case is asked to erase it too (the referrals module's reaction).
      await this.outbox.add(em, {
        type: CASE_JOBS.identityErased,
        payload: { caseId: id, ownerOrganisationId: record.ownerOrganisationId } satisfies CaseIdentityErasedPayload,
        correlationId: actor.correlationId,
      });
      return { ...view, person: { ...view.person, identity: { erased: true, erasedAt: now.toISOString() } } };
    });
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
    await em.update(
      CaseEntity,
      { id: caseId, version: record.version },
      { ownerOrganisationId: toOrganisationId, assignedCaseworkerId: null, version },
    );
    await this.audit.record(em, actor, {
      action: 'case.ownership_transferred',
      recordType: 'case',
      recordId: caseId,
      details: { fromOrganisationId, toOrganisationId, referralId, previousAssigneeId: record.assignedCaseworkerId, version },
    });
    return { fromOrganisationId };
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
    await this.audit.record(em, actor, {
      action: event.action,
      recordType: 'case',
      recordId: record.id,
      details: { ...event.details, version },
    });
    return caseView(await em.findOneOrFail(CaseEntity, { where: { id: record.id } }));
  }
}

function erasedIdentity(message = 'The identity of this case was erased and cannot be written again'): DomainError {
  return new DomainError('CASE_IDENTITY_ERASED', message);
}
