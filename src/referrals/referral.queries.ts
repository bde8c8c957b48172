/**
 * Every hand-written statement of the referrals module (referrals, referral_events, referral_milestones), as named,
 * typed functions. Plain SQL where a statement runs several times per request or job and the ORM's statement building
 * and mapping cost more than the statement (see src/database/plain-sql.ts). Everything else goes through TypeORM.
 *
 * Two reads join organisations and federation_partners for what a delivery needs of the receiver in one round trip
 * (its node, country, and the partner's acceptance deadline and status).
 */
import { EntityManager } from 'typeorm';
import { OrganisationNode, ReferralActorKind, ReferralStatus } from '../common/vocabulary';
import { GatePartnerStatus } from '../disclosure/disclosure-rules';
import { entityColumns, plainQuery, toEntity } from '../database/plain-sql';
import { ReferralMilestoneEntity } from './referral-milestone.entity';
import { ReferralEntity } from './referral.entity';

/** The receiving organisation as a move needs it: where it lives, its country, the partner's acceptance deadline. */
export interface ReceiverFacts {
  node: OrganisationNode;
  country: string;
  /** The acceptance deadline agreed with a remote receiver's partner deployment, if any. */
  partnerAcceptanceHours: number | null;
  /** A remote receiver's partner deployment status (null for a local one). */
  partnerStatus: GatePartnerStatus | null;
}

/** One transition history row, as moveThrough writes them (several in one INSERT). */
export interface TransitionRow {
  from: ReferralStatus;
  to: ReferralStatus;
  reason: string | null;
  note: string | null;
  details: Record<string, unknown>;
  at: Date;
}

/** The referral as it is now (in the caller's transaction), optionally row-locked; null if there is none. */
export async function selectReferral(em: EntityManager, id: string, lock: '' | 'FOR UPDATE' = ''): Promise<ReferralEntity | null> {
  const meta = em.connection.getMetadata(ReferralEntity);
  const { rows } = await plainQuery(em, `SELECT ${entityColumns(meta, 'r')} FROM referrals r WHERE r.id = $1 ${lock}`, [id]);
  return rows[0] ? toEntity<ReferralEntity>(meta, rows[0]) : null;
}

/** The referral, row-locked (only its own row), with what a delivery needs of its receiving organisation, in one read. */
export async function selectReferralWithReceiverForUpdate(
  em: EntityManager,
  id: string,
): Promise<{ referral: ReferralEntity; receiver: ReceiverFacts } | null> {
  const meta = em.connection.getMetadata(ReferralEntity);
  const { rows } = await plainQuery<
    Record<string, unknown> & {
      receiver_node: ReceiverFacts['node'];
      receiver_country: string;
      receiver_hours: number | null;
      receiver_partner_status: GatePartnerStatus | null;
    }
  >(
    em,
    `SELECT ${entityColumns(meta, 'r')}, o.node AS receiver_node, o.country AS receiver_country, p.acceptance_deadline_hours AS receiver_hours,
            p.status AS receiver_partner_status
       FROM referrals r JOIN organisations o ON o.id = r.receiving_organisation_id LEFT JOIN federation_partners p ON p.id = o.partner_id
      WHERE r.id = $1 FOR UPDATE OF r`,
    [id],
  );
  const row = rows[0];
  if (!row) return null;
  return {
    referral: toEntity<ReferralEntity>(meta, row),
    receiver: {
      node: row.receiver_node,
      country: row.receiver_country,
      partnerAcceptanceHours: row.receiver_hours ?? null,
      partnerStatus: row.receiver_partner_status ?? null,
    },
  };
}

/** The receiving organisation's node, country and (remote) partner acceptance deadline, in one read; null if unknown. */
export async function selectReceiverFacts(em: EntityManager, organisationId: string): Promise<ReceiverFacts | null> {
  const { rows } = await plainQuery<{
    node: ReceiverFacts['node'];
    country: string;
    hours: number | null;
    partner_status: GatePartnerStatus | null;
  }>(
    em,
    `SELECT o.node, o.country, p.acceptance_deadline_hours AS hours, p.status AS partner_status
       FROM organisations o LEFT JOIN federation_partners p ON p.id = o.partner_id WHERE o.id = $1`,
    [organisationId],
  );
  const row = rows[0];
  return row
    ? { node: row.node, country: row.country, partnerAcceptanceHours: row.hours ?? null, partnerStatus: row.partner_status ?? null }
    : null;
}

/** Whether the history row of the move to `status` recorded `flag` (codes only; e.g. viaBreakGlass at the draft). */
export async function selectHistoryFlag(
  em: EntityManager,
  referralId: string,
  status: ReferralStatus,
  flag: 'viaBreakGlass' | 'dangerFlag',
): Promise<boolean> {
  const { rows } = await plainQuery<{ flagged: boolean }>(
    em,
    `SELECT bool_or(COALESCE((details->>$3)::boolean, false)) AS flagged FROM referral_events
      WHERE referral_id = $1 AND kind = 'transition' AND to_status = $2::referral_status`,
    [referralId, status, flag],
  );
  return rows[0]?.flagged === true;
}

/**
 * Writes `changes` to the referral if it is still at `version`; false when it changed meanwhile. The column list is
 * built from the entity's metadata, so the statement text depends only on which properties change.
 */
export async function updateReferralAtVersion(
  em: EntityManager,
  id: string,
  version: number,
  changes: Partial<ReferralEntity>,
): Promise<boolean> {
  const columns = em.connection.getMetadata(ReferralEntity);
  const params: unknown[] = [id, version];
  const set = Object.entries(changes).map(
    ([property, value]) => `"${columns.findColumnWithPropertyName(property)!.databaseName}" = $${params.push(value)}`,
  );
  const updated = await plainQuery(em, `UPDATE referrals SET ${set.join(', ')}, updated_at = now() WHERE id = $1 AND version = $2`, params);
  return updated.rowCount === 1;
}

/** The transition history rows of moves made in one go, by one actor, in one INSERT; their ids in order. */
export async function insertTransitionEvents(
  em: EntityManager,
  referralId: string,
  actor: { kind: ReferralActorKind; userId: string | null; organisationId: string | null },
  rows: readonly TransitionRow[],
): Promise<string[]> {
  const params: unknown[] = [referralId, actor.kind, actor.userId, actor.organisationId];
  const values = rows.map(({ from, to, reason, note, details, at }) => {
    const n = params.push(from, to, reason, note, Object.keys(details).length > 0 ? JSON.stringify(details) : null, at);
    return `($1, 'transition', $${n - 5}::referral_status, $${n - 4}::referral_status, $2::referral_actor_kind, $3::uuid, $4::uuid, $${n - 3}, $${n - 2}, $${n - 1}::jsonb, $${n}::timestamptz)`;
  });
  const { rows: inserted } = await plainQuery<{ id: string }>(
    em,
    `INSERT INTO referral_events (referral_id, kind, from_status, to_status, actor_kind, actor_user_id, actor_organisation_id, reason, note, details, occurred_at)
     VALUES ${values.join(', ')} RETURNING id`,
    params,
  );
  return inserted.map((r) => r.id);
}

/** The milestones of these referrals (unordered). */
export async function selectMilestones(em: EntityManager, referralIds: string[]): Promise<ReferralMilestoneEntity[]> {
  const meta = em.connection.getMetadata(ReferralMilestoneEntity);
  const { rows } = await plainQuery(
    em,
    `SELECT ${entityColumns(meta, 'm')} FROM referral_milestones m WHERE m.referral_id = ANY($1::uuid[])`,
    [referralIds],
  );
  return rows.map((row) => toEntity<ReferralMilestoneEntity>(meta, row));
}

/** The organisation whose move a history row records (null for Lintas itself), or undefined when there is no such row. */
export async function selectEventActorOrganisation(em: EntityManager, referralEventId: string): Promise<string | null | undefined> {
  const { rows } = await plainQuery<{ actor_organisation_id: string | null }>(
    em,
    `SELECT actor_organisation_id FROM referral_events WHERE id = $1`,
    [referralEventId],
  );
  return rows[0]?.actor_organisation_id;
}
