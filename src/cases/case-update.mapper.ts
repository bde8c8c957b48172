/**
 * What a create or a PATCH writes to the case row, apart from the sealed identity (case-identity.ts): pure functions
 * of the stored case, the request and the day, with the request's cross-field rules. No database, no keys.
 */
import { DomainError } from '../common/errors/domain-error';
import { deriveMinor } from './case-reference';
import { CaseEntity, LegalProceeding } from './case.entity';
import { CaseChanges } from './case-identity';
import { CreateCaseDto, PersonInputDto, ProtectionInputDto, UpdateCaseDto } from './dto/case-input.dto';

export function assertVersion(record: Pick<CaseEntity, 'version'>, expected: number): void {
  if (record.version !== expected) {
    throw new DomainError('PRECONDITION_FAILED', 'The case changed since you read it; GET it again', { currentVersion: record.version });
  }
}

export function assertReflectionPeriod(start: string | null | undefined, end: string | null | undefined): void {
  if (start && end && start > end) {
    throw new DomainError('VALIDATION_FAILED', 'Request validation failed', [
      { field: 'protection.reflectionPeriodEnd', errors: ['reflectionPeriodEnd must not be before reflectionPeriodStart'] },
    ]);
  }
}

export function assertDecisionHasStatus(status: string | null | undefined, decidedAt: string | null | undefined): void {
  if (decidedAt && !status) {
    throw new DomainError('VALIDATION_FAILED', 'Request validation failed', [
      { field: 'traffickingStatusDecidedAt', errors: ['traffickingStatusDecidedAt needs a traffickingStatus'] },
    ]);
  }
}

export function legalProceedings(list: CreateCaseDto['legalProceedings']): LegalProceeding[] {
  return (list ?? []).map((p) => ({
    jurisdiction: p.jurisdiction,
    caseNumber: p.caseNumber ?? null,
    role: p.role,
    nextHearing: p.nextHearing ?? null,
  }));
}

/** Names (never values) of what a PATCH changes, for the audit entry. */
export function changedFields(dto: UpdateCaseDto): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(dto)) {
    if (v === undefined || ((k === 'person' || k === 'protection') && v === null)) continue;
    if ((k === 'person' || k === 'protection') && v !== null && typeof v === 'object') {
      for (const [sub, sv] of Object.entries(v as Record<string, unknown>)) if (sv !== undefined) out.push(`${k}.${sub}`);
    } else out.push(k);
  }
  return out;
}

/** Checks a create's cross-field rules before anything is written. */
export function assertCreatable(dto: CreateCaseDto): void {
  const protection: ProtectionInputDto = dto.protection ?? {};
  assertReflectionPeriod(protection.reflectionPeriodStart ?? null, protection.reflectionPeriodEnd ?? null);
  assertDecisionHasStatus(dto.traffickingStatus ?? null, dto.traffickingStatusDecidedAt ?? null);
}

export interface CaseCreateContext {
  id: string;
  reference: string;
  organisationId: string;
  userId: string;
  /** YYYY-MM-DD, UTC: the default of decision and assessment dates. */
  today: string;
}

/** The new case row (`sealed`: its identity columns). */
export function caseCreateValues(dto: CreateCaseDto, sealed: CaseChanges, ctx: CaseCreateContext): Partial<CaseEntity> {
  const person: PersonInputDto = dto.person ?? {};
  const protection: ProtectionInputDto = dto.protection ?? {};
  return {
    id: ctx.id,
    reference: ctx.reference,
    ownerOrganisationId: ctx.organisationId,
    assignedCaseworkerId: ctx.userId,
    status: 'active',
    version: 1,
    ...sealed,
    gender: person.gender ?? null,
    citizenship: person.citizenship ?? [],
    languages: person.languages ?? [],
    minor: deriveMinor(person.dateOfBirth ?? null, dto.ageWhenTrafficked ?? null),
    traffickingStatus: dto.traffickingStatus ?? null,
    traffickingStatusDecidedByOrganisationId: dto.traffickingStatus ? ctx.organisationId : null,
    traffickingStatusDecidedAt: dto.traffickingStatus ? (dto.traffickingStatusDecidedAt ?? ctx.today) : null,
    exploitationTypes: dto.exploitationTypes ?? [],
    meansOfControl: dto.meansOfControl ?? [],
    recruitmentMethods: dto.recruitmentMethods ?? [],
    recruitmentPlatforms: dto.recruitmentPlatforms ?? [],
    countryOfRecruitment: dto.countryOfRecruitment ?? null,
    countryOfExploitation: dto.countryOfExploitation ?? null,
    ageWhenTrafficked: dto.ageWhenTrafficked ?? null,
    riskLevel: protection.riskLevel ?? null,
    riskAssessedAt: protection.riskLevel ? (protection.riskAssessedAt ?? ctx.today) : (protection.riskAssessedAt ?? null),
    dangerFlag: protection.dangerFlag ?? false,
    reflectionPeriodStart: protection.reflectionPeriodStart ?? null,
    reflectionPeriodEnd: protection.reflectionPeriodEnd ?? null,
    immigrationStatus: protection.immigrationStatus ?? null,
    detentionStatus: protection.detentionStatus ?? null,
    nonPunishmentAssessment: protection.nonPunishmentAssessment ?? null,
    objectsToHomeStateNotification: protection.objectsToHomeStateNotification ?? false,
    legalProceedings: legalProceedings(dto.legalProceedings),
    createdBy: ctx.userId,
  };
}

export interface CaseUpdateContext {
  /** The organisation of the one who changes it (a trafficking-status decision is recorded as theirs). */
  organisationId: string;
  today: string;
  /**
   * The stored date of birth, opened inside the server only to re-derive `minor` when the age changes and the date of
   * birth does not; undefined when it was not read (no key, or not needed).
   */
  storedDateOfBirth?: string | null;
}

/** The columns a PATCH changes besides the sealed identity, after checking its cross-field rules against the stored case. */
export function caseUpdateChanges(record: CaseEntity, dto: UpdateCaseDto, ctx: CaseUpdateContext): CaseChanges {
  const person: PersonInputDto = dto.person ?? {};
  const protection: ProtectionInputDto = dto.protection ?? {};
  const changes: CaseChanges = {};

  if (person.dateOfBirth !== undefined || dto.ageWhenTrafficked !== undefined) {
    const dob = person.dateOfBirth !== undefined ? person.dateOfBirth : ctx.storedDateOfBirth;
    const age = dto.ageWhenTrafficked !== undefined ? dto.ageWhenTrafficked : record.ageWhenTrafficked;
    changes.minor = deriveMinor(dob ?? null, age ?? null);
  }
  if (person.gender !== undefined) changes.gender = person.gender;
  if (person.citizenship !== undefined) changes.citizenship = person.citizenship ?? [];
  if (person.languages !== undefined) changes.languages = person.languages ?? [];

  if (dto.status !== undefined) changes.status = dto.status;
  if (dto.traffickingStatus !== undefined) {
    changes.traffickingStatus = dto.traffickingStatus;
    changes.traffickingStatusDecidedByOrganisationId = dto.traffickingStatus ? ctx.organisationId : null;
    changes.traffickingStatusDecidedAt = dto.traffickingStatus ? (dto.traffickingStatusDecidedAt ?? ctx.today) : null;
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
    changes.riskAssessedAt = protection.riskLevel ? (protection.riskAssessedAt ?? ctx.today) : (protection.riskAssessedAt ?? null);
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
  return changes;
}
