/**
 * Who received a case: every organisation (and, for a remote one, its partner deployment) a referral of the case
 * reached, with the categories, the purpose, the consents the delivery relied on and when — plus what the audit log
 * knows about it afterwards (reads of the referred case, recall and restriction notices and their acknowledgements).
 * The person's recipients list and access report (src/rights) are built from this; the caller has checked access.
 */
import { Injectable } from '@nestjs/common';
import { EntityManager, Not, IsNull } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { ConsentPurpose, DataCategory, OrganisationNode, ReferralStatus } from '../common/vocabulary';
import { FederationTransport } from '../federation/federation-transport';
import { findOrganisation } from '../organisations/organisation-reads';
import { REFERRAL_RECORD } from './referral-workflow.types';
import { ReferralEntity } from './referral.entity';

export interface RecipientNotice {
  action:
    | 'restriction_notice'
    | 'restriction_notice_acknowledged'
    | 'recall_acknowledged'
    | 'erasure_request'
    | 'erasure_acknowledged'
    | 'rectification_notice'
    | 'rectification_notice_acknowledged';
  at: string;
  change: string | null;
  /** A rectification notice (or the partner's acknowledgement of one): the correction it passed on. */
  correctionId?: string;
}

export interface CaseRecipient {
  referralId: string;
  organisation: { id: string; name: string; country: string; node: OrganisationNode };
  /** The partner deployment that holds what was sent, for an organisation on another deployment. */
  deployment: { partnerId: string; nodeId: string; name: string } | null;
  purpose: ConsentPurpose;
  dataCategories: DataCategory[];
  /** The consents the delivery relied on (withdrawing one recalls the referral). */
  consentIds: string[];
  status: ReferralStatus;
  transferOwnership: boolean;
  sentAt: string;
  receivedAt: string | null;
  acceptedAt: string | null;
  /** Reads of the referred case by the receiving organisation on this deployment (GET /referrals/{id}/case). */
  reads: { count: number; lastAt: string | null };
  notices: RecipientNotice[];
}

const NOTICE_ACTIONS = [
  'referral.restriction_notice',
  'referral.restriction_notice_acknowledged',
  'referral.recall_acknowledged',
  'referral.erasure_request',
  'referral.erasure_acknowledged',
  'referral.rectification_notice',
  'referral.rectification_notice_acknowledged',
];

@Injectable()
export class ReferralRecipients {
  constructor(
    private readonly audit: AuditService,
    private readonly transport: FederationTransport,
  ) {}

  async forCase(em: EntityManager, caseId: string): Promise<CaseRecipient[]> {
    // Sent: the packet left (a referral recalled or cancelled after that was received all the same).
    const referrals = await em.find(ReferralEntity, { where: { caseId, sentAt: Not(IsNull()) }, order: { sentAt: 'ASC', id: 'ASC' } });
    if (referrals.length === 0) return [];
    const ids = referrals.map((r) => r.id);
    const reads = await this.audit.eventsAbout('case', [caseId], ['referral.read_case']);
    const notices = await this.audit.eventsAbout(REFERRAL_RECORD, ids, NOTICE_ACTIONS);
    const organisations = new Map<string, CaseRecipient['organisation'] & { deployment: CaseRecipient['deployment'] }>();
    for (const orgId of new Set(referrals.map((r) => r.receivingOrganisationId))) {
      const org = await findOrganisation(em, { id: orgId });
      if (!org) continue;
      const partner = org.node === 'remote' && org.partnerId ? await this.transport.partner(em, org.partnerId) : null;
      organisations.set(orgId, {
        id: org.id,
        name: org.name,
        country: org.country,
        node: org.node,
        deployment: partner ? { partnerId: partner.id, nodeId: partner.nodeId, name: partner.name } : null,
      });
    }
    return referrals.flatMap((r): CaseRecipient[] => {
      const org = organisations.get(r.receivingOrganisationId);
      if (!org) return [];
      const { deployment, ...organisation } = org;
      const readsOfThis = reads.filter((e) => (e.details as { referralId?: string } | null)?.referralId === r.id);
      return [
        {
          referralId: r.id,
          organisation,
          deployment,
          purpose: r.purpose,
          dataCategories: r.dataCategories,
          consentIds: r.consentIds,
          status: r.status,
          transferOwnership: r.transferOwnership,
          sentAt: r.sentAt!.toISOString(),
          receivedAt: r.receivedAt?.toISOString() ?? null,
          acceptedAt: r.acceptedAt?.toISOString() ?? null,
          reads: { count: readsOfThis.length, lastAt: readsOfThis.at(-1)?.occurredAt.toISOString() ?? null },
          notices: notices
            .filter((e) => e.recordId === r.id)
            .map((e) => {
              const details = e.details as { change?: string; correctionId?: string } | null;
              return {
                action: e.action.replace(/^referral\./, '') as RecipientNotice['action'],
                at: e.occurredAt.toISOString(),
                change: details?.change ?? null,
                ...(details?.correctionId ? { correctionId: details.correctionId } : {}),
              };
            }),
        },
      ];
    });
  }
}
