import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, In } from 'typeorm';
import { AlertsService } from '../alerts/alerts.service';
import { AuditActor, AuditService } from '../audit/audit.service';
import { CasesService } from '../cases/cases.service';
import { Actor } from '../common/auth/actor';
import { DomainError } from '../common/errors/domain-error';
import { ClaimTransferMode, ResponsibilityCause } from '../common/vocabulary/restitution';
import { DisclosureGate, GateAnswer } from '../disclosure/disclosure-gate.service';
import { findOrganisation } from '../organisations/organisation-reads';
import { ClaimAccessService } from './claim-access.service';
import { ClaimDeadlineJobs } from './claim-deadline-jobs';
import { ClaimShares } from './claim-shares.service';
import { ledgersOf } from './claim-records';
import { ClaimRecipient, claimRecipients } from './claim-recipients';
import { ClaimResponsibilityEntity } from './claim-responsibility.entity';
import { MoveResponsibilityDto } from './dto/restitution-input.dto';
import { ResponsibilityPeriodDto, ResponsibilityResponseDto } from './dto/restitution-response.dto';
import { CONSENT_CATEGORY, CONSENT_PURPOSE, RECORD_TYPE } from './restitution.constants';
import { RestitutionClaimEntity } from './restitution-claim.entity';
import { RestitutionText } from './restitution-text';
import { claimView } from './restitution-views';

/**
 * Who pursues a claim (the responsible organisation) and who pays out to the survivor (the survivor-contact
 * organisation), with the history of both: moved by a person, or by an accepted referral that transfers the case.
 */
@Injectable()
export class ClaimResponsibility {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly cases: CasesService,
    private readonly gate: DisclosureGate,
    private readonly claimAccess: ClaimAccessService,
    private readonly deadlineJobs: ClaimDeadlineJobs,
    private readonly text: RestitutionText,
    private readonly audit: AuditService,
    private readonly alerts: AlertsService,
    private readonly shares: ClaimShares,
  ) {}

  async moveResponsibility(actor: Actor, claimId: string, dto: MoveResponsibilityDto): Promise<ResponsibilityResponseDto> {
    if (dto.responsibleOrganisationId === undefined && dto.survivorContactOrganisationId === undefined) {
      throw new DomainError('VALIDATION_FAILED', 'Request validation failed', [
        { field: '(body)', errors: ['names responsibleOrganisationId, survivorContactOrganisationId or both'] },
      ]);
    }
    return this.dataSource.transaction(async (em) => {
      const { claim } = await this.claimAccess.resolveClaim(em, actor, claimId, { lock: true, write: true, ownerMayWrite: true });
      const responsible = dto.responsibleOrganisationId ?? claim.responsibleOrganisationId;
      let contact =
        dto.survivorContactOrganisationId !== undefined ? dto.survivorContactOrganisationId : claim.survivorContactOrganisationId;
      if (responsible !== claim.responsibleOrganisationId) {
        const org = await findOrganisation(em, { id: responsible });
        if (!org) throw invalidOrganisation('responsibleOrganisationId', 'unknown_organisation');
        // A partner deployment's organisation pursues the claim from there: only one a referral carried the claim to
        // (with consent), so that its deployment holds a copy and hears of every change (docs/restitution.md).
        if (org.node !== 'local' && !(await this.shares.carriedTo(em, claim.id, org.id)))
          throw invalidOrganisation('responsibleOrganisationId', 'remote_organisation');
        // Handing the claim to the survivor's contact organisation makes it responsible; it is no longer a separate contact.
        if (dto.survivorContactOrganisationId === undefined && contact === responsible) contact = null;
      }
      if (contact !== null && contact !== claim.survivorContactOrganisationId) {
        if (!(await findOrganisation(em, { id: contact })))
          throw invalidOrganisation('survivorContactOrganisationId', 'unknown_organisation');
      }
      if (contact !== null && contact === responsible) throw invalidOrganisation('survivorContactOrganisationId', 'same_as_responsible');
      if (responsible === claim.responsibleOrganisationId && contact === claim.survivorContactOrganisationId) {
        throw invalidOrganisation(
          dto.responsibleOrganisationId !== undefined ? 'responsibleOrganisationId' : 'survivorContactOrganisationId',
          'no_change',
        );
      }
      // The disclosure gate, for each organisation this shows the claim to: consent for `restitution` for
      // `restitution_claim`, and a danger-flagged case only by its assigned caseworker or under break-glass.
      const owner = await this.cases.ownerOf(em, claim.caseId);
      const opened: GateAnswer[] = [];
      for (const org of new Set([
        responsible !== claim.responsibleOrganisationId ? responsible : null,
        contact !== claim.survivorContactOrganisationId ? contact : null,
      ])) {
        if (org === null || org === owner) continue;
        opened.push(
          await this.gate.assertAllowed(em, {
            path: 'restitution.responsibility',
            caseId: claim.caseId,
            recipientOrganisationId: org,
            purpose: CONSENT_PURPOSE,
            categories: [CONSENT_CATEGORY],
            actor,
            lockCase: true,
          }),
        );
      }
      const cause: ResponsibilityCause =
        responsible !== claim.responsibleOrganisationId ? 'responsibility_moved' : 'survivor_contact_recorded';
      const updated = await this.applyResponsibility(em, actor, claim, responsible, contact, cause);
      for (const answer of opened) await this.gate.recordDisclosure(em, answer, actor, { recordType: RECORD_TYPE, recordId: claim.id });
      // The caller may have handed the claim out of its own sight (a claim of a case it does not own).
      const access = await this.claimAccess.accessTo(em, actor, updated);
      const rows = (await ledgersOf(em, [claimId])).get(claimId)!;
      return {
        claim: access
          ? claimView(updated, rows, access, access === 'consent' ? undefined : await this.text.openClaimText(em, updated))
          : null,
        history: await this.historyOf(em, claimId),
      };
    });
  }

  async responsibilityHistory(actor: Actor, claimId: string): Promise<ResponsibilityPeriodDto[]> {
    const em = this.dataSource.manager;
    await this.claimAccess.resolveClaim(em, actor, claimId);
    return this.historyOf(em, claimId);
  }

  /**
   * For the person's recipients list (src/rights): every organisation other than the case's owner that was responsible
   * for one of the case's claims or the survivor's contact for it (both read the claim's restitution data), one item
   * per claim, organisation and role, from when until when (null: still). Oldest first. The caller has checked access.
   */
  async recipientsOfCase(em: EntityManager, caseId: string, ownerOrganisationId: string): Promise<ClaimRecipient[]> {
    const claims = await em.find(RestitutionClaimEntity, { select: { id: true }, where: { caseId } });
    if (claims.length === 0) return [];
    const rows = await em.find(ClaimResponsibilityEntity, { where: { claimId: In(claims.map((c) => c.id)) }, order: { seq: 'ASC' } });
    return claimRecipients(rows, ownerOrganisationId);
  }

  /**
   * For the referrals module: when a referral that transfers a case's ownership is accepted, call this in the same
   * transaction. With `move_with_case` the claims the sending organisation pursued move to the receiving organisation;
   * with `stay_with_original` they stay with the sender, and the receiver becomes the survivor's contact for payout
   * (it can then read them). Withdrawn claims stay where they are. Either way the history records who was responsible
   * from when. `actor` is the accepting user (null when the system accepts, e.g. a federated packet in the worker).
   * Returns how many claims changed.
   */
  async onCaseOwnershipTransferred(
    em: EntityManager,
    caseId: string,
    fromOrg: string,
    toOrg: string,
    mode: ClaimTransferMode,
    actor: AuditActor | null = null,
  ): Promise<number> {
    if (!em.queryRunner?.isTransactionActive) throw new Error('onCaseOwnershipTransferred must run inside the transfer\u2019s transaction');
    const claims = await em
      .createQueryBuilder(RestitutionClaimEntity, 'c')
      .where('c.case_id = :caseId AND c.responsible_organisation_id = :fromOrg AND c.status <> :withdrawn', {
        caseId,
        fromOrg,
        withdrawn: 'withdrawn',
      })
      .orderBy('c.id')
      .setLock('pessimistic_write')
      .getMany();
    for (const claim of claims) {
      const responsible = mode === 'move_with_case' ? toOrg : fromOrg;
      const contact =
        mode === 'move_with_case' ? (claim.survivorContactOrganisationId === toOrg ? null : claim.survivorContactOrganisationId) : toOrg;
      if (responsible === claim.responsibleOrganisationId && contact === claim.survivorContactOrganisationId) continue;
      await this.applyResponsibility(em, actor, claim, responsible, contact, 'case_ownership_transferred', { mode });
    }
    return claims.length;
  }

  private async applyResponsibility(
    em: EntityManager,
    actor: (AuditActor & { correlationId?: string | null }) | null,
    claim: RestitutionClaimEntity,
    responsible: string,
    contact: string | null,
    cause: ResponsibilityCause,
    extra: Record<string, string> = {},
  ): Promise<RestitutionClaimEntity> {
    await em.update(
      RestitutionClaimEntity,
      { id: claim.id, version: claim.version },
      { responsibleOrganisationId: responsible, survivorContactOrganisationId: contact, version: claim.version + 1 },
    );
    await em.insert(ClaimResponsibilityEntity, {
      claimId: claim.id,
      responsibleOrganisationId: responsible,
      survivorContactOrganisationId: contact,
      cause,
      changedByUserId: actor?.userId ?? null,
      changedByOrganisationId: actor?.organisationId ?? null,
    });
    let resolvedAlerts = 0;
    if (responsible !== claim.responsibleOrganisationId) {
      // The old organisation's open deadline alerts are no longer its to act on; the new one gets them afresh.
      resolvedAlerts = await this.alerts.resolveOpenForRecord(em, { recordType: RECORD_TYPE, recordId: claim.id }, 'no_longer_applies');
    }
    const updated = await em.findOneOrFail(RestitutionClaimEntity, { where: { id: claim.id } });
    const jobs =
      responsible !== claim.responsibleOrganisationId ? await this.deadlineJobs.schedule(em, updated, actor?.correlationId ?? null) : 0;
    await this.audit.record(em, actor, {
      action: 'restitution_claim.responsibility',
      recordType: RECORD_TYPE,
      recordId: claim.id,
      purpose: CONSENT_PURPOSE,
      details: {
        caseId: claim.caseId,
        cause,
        fromResponsibleOrganisationId: claim.responsibleOrganisationId,
        responsibleOrganisationId: responsible,
        survivorContactOrganisationId: contact,
        resolvedAlerts,
        deadlineJobs: jobs,
        ...extra,
      },
    });
    await this.shares.changed(em, claim.id, actor?.correlationId ?? null);
    return updated;
  }

  private async historyOf(em: EntityManager, claimId: string): Promise<ResponsibilityPeriodDto[]> {
    const rows = await em.find(ClaimResponsibilityEntity, { where: { claimId }, order: { seq: 'ASC' } });
    return rows.map((r, i) => ({
      responsibleOrganisationId: r.responsibleOrganisationId,
      survivorContactOrganisationId: r.survivorContactOrganisationId,
      cause: r.cause,
      changedByUserId: r.changedByUserId,
      from: r.createdAt.toISOString(),
      until: rows[i + 1] ? rows[i + 1].createdAt.toISOString() : null,
    }));
  }
}

function invalidOrganisation(
  field: string,
  problem: 'unknown_organisation' | 'remote_organisation' | 'same_as_responsible' | 'no_change',
): DomainError {
  const messages = {
    unknown_organisation: 'No such organisation',
    remote_organisation: 'A partner deployment\u2019s organisation can be made responsible only once a referral carried the claim to it',
    same_as_responsible: 'The survivor\u2019s contact organisation must differ from the responsible one',
    no_change: 'This changes nothing',
  } as const;
  return new DomainError('RESTITUTION_ORGANISATION_INVALID', messages[problem], { field, problem });
}
