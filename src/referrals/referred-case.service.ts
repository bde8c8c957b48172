/**
 * The receiving organisation's read of a referred case (GET /referrals/{id}/case): through the gate on every read for
 * a case of this deployment, or the stored packet of a referral received from a partner deployment. Audited each time.
 */
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { CasesService } from '../cases/cases.service';
import { Actor } from '../common/auth/actor';
import { DomainError, notFound } from '../common/errors/domain-error';
import { DisclosureGate, refusal } from '../disclosure/disclosure-gate.service';
import { InboundPacketStore } from '../federation/inbound-packet-store';
import { ReferredCaseDto } from './dto/referral.dto';
import { buildPacketData, identityFieldsFor } from './referral-packet';
import { hiddenFromReceiver, RECEIVER_HOLDS } from './referral-views';
import { ReferralEntity } from './referral.entity';

@Injectable()
export class ReferredCaseReader {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly cases: CasesService,
    private readonly audit: AuditService,
    private readonly inboundPackets: InboundPacketStore,
    private readonly gate: DisclosureGate,
  ) {}

  /**
   * The receiving organisation's read of the case: only the categories consent permits for it and this purpose right
   * now (asked again on every read), identity decrypted only when a category served needs it, audited each time.
   */
  async readCase(actor: Actor, id: string): Promise<ReferredCaseDto> {
    return this.dataSource.transaction(async (em) => {
      const referral = await em.findOne(ReferralEntity, { where: { id } });
      if (!referral || referral.receivingOrganisationId !== actor.organisationId || hiddenFromReceiver(referral)) {
        // The sender reads its own case through /cases; anyone else must not learn the referral exists.
        if (referral && referral.sendingOrganisationId === actor.organisationId) {
          throw new DomainError('REFERRAL_ACTION_FORBIDDEN', 'Only the receiving organisation reads a referred case here', {
            requiredSide: 'receiver',
          });
        }
        throw notFound('Referral');
      }
      if (referral.status === 'recalled') {
        throw new DomainError(
          'REFERRAL_RECALLED',
          'The referral was recalled (the person withdrew their consent or asked for erasure); the case is no longer available',
          {
            status: referral.status,
          },
        );
      }
      if (!(RECEIVER_HOLDS as readonly string[]).includes(referral.status)) {
        throw new DomainError('REFERRAL_CASE_NOT_AVAILABLE', 'The referred case is not available to the receiver in this status', {
          status: referral.status,
        });
      }
      if (!referral.caseId) return this.readIncomingPacket(em, actor, referral);
      const consent = await this.gate.decide(em, {
        path: 'referral.read_case',
        caseId: referral.caseId,
        recipientOrganisationId: referral.receivingOrganisationId,
        purpose: referral.purpose,
        categories: referral.dataCategories,
        actor,
      });
      if (!consent.allowed) throw refusal(consent, 'recipient');
      const { record, identity } = await this.cases.forDisclosure(em, referral.caseId, identityFieldsFor(consent.permitted));
      await this.audit.record(em, actor, {
        action: 'referral.read_case',
        recordType: 'case',
        recordId: referral.caseId,
        purpose: referral.purpose,
        details: {
          referralId: referral.id,
          dataCategories: consent.permitted,
          refused: consent.refused.map((r) => r.category),
          consentIds: consent.consentIds,
        },
      });
      return {
        referralId: referral.id,
        caseReference: record.reference,
        dataCategories: consent.permitted,
        data: buildPacketData(record, identity, consent.permitted),
      };
    });
  }

  /**
   * Whether readCase would answer the actor with the case now — the same checks, the gate's decision included — without
   * reading the case or recording anything: the change feed asks it before naming the referred case.
   */
  async available(em: EntityManager, actor: Actor, id: string): Promise<boolean> {
    const referral = await em.findOne(ReferralEntity, { where: { id } });
    if (!referral || referral.receivingOrganisationId !== actor.organisationId || hiddenFromReceiver(referral)) return false;
    if (!(RECEIVER_HOLDS as readonly string[]).includes(referral.status)) return false;
    if (!referral.caseId) return true;
    try {
      const consent = await this.gate.decide(em, {
        path: 'referral.read_case',
        caseId: referral.caseId,
        recipientOrganisationId: referral.receivingOrganisationId,
        purpose: referral.purpose,
        categories: referral.dataCategories,
        actor,
      });
      return consent.allowed;
    } catch (err) {
      if (err instanceof DomainError) return false;
      throw err;
    }
  }

  /**
   * A referral received from a partner deployment: the case is there, and what its consent permitted when the
   * packet left is what the partner sent, kept here encrypted until a recall destroys it. Audited like a local read.
   */
  private async readIncomingPacket(em: EntityManager, actor: Actor, referral: ReferralEntity): Promise<ReferredCaseDto> {
    const packet = await this.inboundPackets.read(em, referral.id);
    await this.audit.record(em, actor, {
      action: 'referral.read_case',
      recordType: 'referral',
      recordId: referral.id,
      purpose: referral.purpose,
      details: { referralId: referral.id, dataCategories: packet.dataCategories, source: 'partner_packet' },
    });
    return {
      referralId: referral.id,
      caseReference: packet.caseReference,
      dataCategories: packet.dataCategories,
      data: packet.data,
    };
  }
}
