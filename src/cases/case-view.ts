/** Maps stored cases to what the API answers with. Identity appears only when the service passes it in. */
import { CaseEntity } from './case.entity';
import { CaseResponseDto, CaseSummaryDto, IdentityView } from './dto/case-response.dto';

const iso = (d: Date): string => d.toISOString();

/**
 * A case's fields that are not sealed identity, as other modules may map them for a disclosure the gate allowed (the
 * referral packet): a type of the cases module's public surface, so no other module names its entity.
 */
export type CaseOpenFields = Pick<
  CaseEntity,
  | 'gender'
  | 'citizenship'
  | 'traffickingStatus'
  | 'traffickingStatusDecidedByOrganisationId'
  | 'traffickingStatusDecidedAt'
  | 'exploitationTypes'
  | 'meansOfControl'
  | 'recruitmentMethods'
  | 'recruitmentPlatforms'
  | 'countryOfRecruitment'
  | 'countryOfExploitation'
  | 'ageWhenTrafficked'
  | 'immigrationStatus'
  | 'detentionStatus'
  | 'nonPunishmentAssessment'
  | 'reflectionPeriodStart'
  | 'reflectionPeriodEnd'
  | 'legalProceedings'
>;

export function caseView(c: CaseEntity, identity?: IdentityView): CaseResponseDto {
  return {
    id: c.id,
    reference: c.reference,
    displayLabel: c.reference,
    status: c.status,
    version: c.version,
    ownerOrganisationId: c.ownerOrganisationId,
    assignedCaseworkerId: c.assignedCaseworkerId,
    person: {
      ...(identity ? { identity } : {}),
      gender: c.gender,
      citizenship: c.citizenship,
      languages: c.languages,
    },
    minor: c.minor,
    traffickingStatus: c.traffickingStatus,
    traffickingStatusDecidedByOrganisationId: c.traffickingStatusDecidedByOrganisationId,
    traffickingStatusDecidedAt: c.traffickingStatusDecidedAt,
    exploitationTypes: c.exploitationTypes,
    meansOfControl: c.meansOfControl,
    recruitmentMethods: c.recruitmentMethods,
    recruitmentPlatforms: c.recruitmentPlatforms,
    countryOfRecruitment: c.countryOfRecruitment,
    countryOfExploitation: c.countryOfExploitation,
    ageWhenTrafficked: c.ageWhenTrafficked,
    protection: {
      riskLevel: c.riskLevel,
      riskAssessedAt: c.riskAssessedAt,
      dangerFlag: c.dangerFlag,
      reflectionPeriodStart: c.reflectionPeriodStart,
      reflectionPeriodEnd: c.reflectionPeriodEnd,
      immigrationStatus: c.immigrationStatus,
      detentionStatus: c.detentionStatus,
      nonPunishmentAssessment: c.nonPunishmentAssessment,
      objectsToHomeStateNotification: c.objectsToHomeStateNotification,
    },
    legalProceedings: c.legalProceedings.map((p) => ({ ...p })),
    closure: c.closureReason && c.closedAt ? { reason: c.closureReason, closedAt: iso(c.closedAt), closedBy: c.closedBy } : null,
    createdAt: iso(c.createdAt),
    updatedAt: iso(c.updatedAt),
  };
}

/** A list row: no identity, no free text; the reference is the display label. */
export function caseSummary(c: CaseEntity): CaseSummaryDto {
  return {
    id: c.id,
    reference: c.reference,
    displayLabel: c.reference,
    status: c.status,
    version: c.version,
    ownerOrganisationId: c.ownerOrganisationId,
    assignedCaseworkerId: c.assignedCaseworkerId,
    riskLevel: c.riskLevel,
    dangerFlag: c.dangerFlag,
    traffickingStatus: c.traffickingStatus,
    exploitationTypes: c.exploitationTypes,
    minor: c.minor,
    createdAt: iso(c.createdAt),
    updatedAt: iso(c.updatedAt),
  };
}
