/**
 * What the disclosure gate and the referral workflow need to know about an organisation as a recipient, answered by
 * the federation module (which owns the partner registry): where it lives, its country, and for a remote one its
 * partner deployment's status and acceptance deadline. One read.
 */
import { EntityManager } from 'typeorm';
import type { OrganisationNode } from '../common/vocabulary';
import { runSql } from '../database/sql';
import type { PartnerStatus } from './federation-partner.entity';
import { organisationWithPartner } from './federation.queries';

export interface OrganisationPartnerFacts {
  organisationId: string;
  country: string;
  node: OrganisationNode;
  /** A remote organisation's partner deployment status; null for a local one (or a remote one without partner). */
  partnerStatus: PartnerStatus | null;
  /** The acceptance deadline agreed with a remote organisation's partner deployment, if any. */
  partnerAcceptanceHours: number | null;
}

/** The organisation and its partner's facts; null when there is no such organisation. */
export async function organisationPartnerFacts(em: EntityManager, organisationId: string): Promise<OrganisationPartnerFacts | null> {
  const { rows } = await runSql(em, organisationWithPartner, [organisationId]);
  const row = rows[0];
  return row
    ? {
        organisationId: row.id,
        country: row.country,
        node: row.node,
        partnerStatus: row.partner_status ?? null,
        partnerAcceptanceHours: row.partner_hours ?? null,
      }
    : null;
}
