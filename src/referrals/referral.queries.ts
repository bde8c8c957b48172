/**
 * Every hand-written statement of the referrals module (referrals, referral_events, referral_milestones), declared once
 * (src/database/sql.ts) with their column names from the entity metadata. Plain SQL where a statement runs several
 * times per request or job and the ORM's statement building and mapping cost more than the statement. Everything else
 * goes through TypeORM. What a move needs of the receiving organisation is the federation module's to answer
 * (federation/partner-facts.ts, and its fragment federation/partner-sql.ts when read with the referral).
 */
import type { DataSource } from 'typeorm';
import type { OrganisationNode } from '../common/vocabulary';
import type { ReferralStatus } from '../common/vocabulary';
import { columnsOf, selectList, statement, tableOf } from '../database/sql';
import type { GatePartnerStatus } from '../disclosure/disclosure-rules';
import { organisationPartnerSql } from '../federation/partner-sql';
import { ReferralEventEntity } from './referral-event.entity';
import { ReferralMilestoneEntity } from './referral-milestone.entity';
import { ReferralEntity } from './referral.entity';

/** A row of `selectList(…, ReferralEntity, 'r')` (or of milestones, 'm'): build the entity with `hydrate`. */
type EntityRow = Record<string, unknown>;

const referralById = (lock: boolean) =>
  statement<EntityRow, [string]>(lock ? 'referrals.byIdForUpdate' : 'referrals.byId', (ds) => {
    const [id] = columnsOf(ds, ReferralEntity, ['id']);
    return `SELECT ${selectList(ds, ReferralEntity, 'r')} FROM ${tableOf(ds, ReferralEntity)} r WHERE r.${id} = $1${lock ? ' FOR UPDATE' : ''}`;
  });

/** The referral as it is now (in the caller's transaction). */
export const referral = referralById(false);
/** The referral, row-locked. */
export const referralForUpdate = referralById(true);

/** A referral row (`hydrate(…, 'r', row)`) with what a delivery needs of its receiving organisation. */
export type ReferralWithReceiverRow = EntityRow & {
  receiver_node: OrganisationNode;
  receiver_country: string;
  receiver_hours: number | null;
  receiver_partner_status: GatePartnerStatus | null;
};

/** The referrals `where` picks (on `r`, the referral; the id column's name is passed to it), each with its receiver. */
const withReceiverSql = (ds: DataSource, where: (id: string) => string): string => {
  const [id, receivingOrganisationId] = columnsOf(ds, ReferralEntity, ['id', 'receivingOrganisationId']);
  return `SELECT ${selectList(ds, ReferralEntity, 'r')}, x.node AS receiver_node, x.country AS receiver_country,
                 x.partner_hours AS receiver_hours, x.partner_status AS receiver_partner_status
            FROM ${tableOf(ds, ReferralEntity)} r JOIN ${organisationPartnerSql(ds)} x ON x.id = r.${receivingOrganisationId}
           WHERE ${where(id)}`;
};

/** The referral, row-locked (only its own row), with its receiver, in one read. */
export const referralWithReceiverForUpdate = statement<ReferralWithReceiverRow, [string]>('referrals.withReceiverForUpdate', (ds) =>
  withReceiverSql(ds, (id) => `r.${id} = $1 FOR UPDATE OF r`),
);

const referralsWithReceiverStatement = (lock: boolean) =>
  statement<ReferralWithReceiverRow, [string[]]>(lock ? 'referrals.manyWithReceiverForUpdate' : 'referrals.manyWithReceiver', (ds) =>
    withReceiverSql(ds, (id) => `r.${id} = ANY($1::uuid[]) ORDER BY r.${id}${lock ? ' FOR UPDATE OF r SKIP LOCKED' : ''}`),
  );
const referralsWithReceiverLocked = referralsWithReceiverStatement(true);
const referralsWithReceiverRead = referralsWithReceiverStatement(false);
/**
 * Several referrals with their receivers (as referralWithReceiverForUpdate), in id order. With `lock`, those no other
 * transaction holds, locked (SKIP LOCKED: a group of deliveries never waits for a referral an API call or a recall is
 * changing; it hands that one back to the single path, which does wait).
 */
export const referralsWithReceiver = (lock: boolean) => (lock ? referralsWithReceiverLocked : referralsWithReceiverRead);

/** The columns a move writes (moveThrough is the only writer of these after the insert; each move raises the version). */
export const MOVE_COLUMNS = [
  'status',
  'version',
  'consentIds',
  'sentAt',
  'receivedAt',
  'acceptanceDueAt',
  'acceptedAt',
  'failureReason',
] as const satisfies readonly (keyof ReferralEntity)[];

/** The name each MOVE_COLUMNS value has in moveManyAtVersion's JSON rows, and its type there. */
export const MOVE_FIELDS = {
  status: 'status',
  version: 'version',
  consentIds: 'consent_ids',
  sentAt: 'sent_at',
  receivedAt: 'received_at',
  acceptanceDueAt: 'acceptance_due_at',
  acceptedAt: 'accepted_at',
  failureReason: 'failure_reason',
} as const satisfies Record<(typeof MOVE_COLUMNS)[number], string>;
const MOVE_FIELD_TYPES: Record<(typeof MOVE_COLUMNS)[number], string> = {
  status: 'referral_status',
  version: 'integer',
  consentIds: 'uuid[]',
  sentAt: 'timestamptz',
  receivedAt: 'timestamptz',
  acceptanceDueAt: 'timestamptz',
  acceptedAt: 'timestamptz',
  failureReason: 'referral_delivery_failure',
};

/**
 * Writes the moves' columns of several referrals, each only if it is still at the version read; the ids written (fewer
 * than given when one changed meanwhile). Parameter: a JSON array of `{ id, prev_version, <MOVE_FIELDS>… }`.
 */
export const moveManyAtVersion = statement<{ id: string }, [string]>('referrals.moveManyAtVersion', (ds) => {
  const [id, version, updatedAt] = columnsOf(ds, ReferralEntity, ['id', 'version', 'updatedAt']);
  const set = columnsOf(ds, ReferralEntity, MOVE_COLUMNS).map((c, i) => `${c} = m.${MOVE_FIELDS[MOVE_COLUMNS[i]]}`);
  const fields = MOVE_COLUMNS.map((c) => `${MOVE_FIELDS[c]} ${MOVE_FIELD_TYPES[c]}`);
  return `UPDATE ${tableOf(ds, ReferralEntity)} r SET ${set.join(', ')}, ${updatedAt} = now()
            FROM jsonb_to_recordset($1::jsonb) AS m(id uuid, prev_version integer, ${fields.join(', ')})
           WHERE r.${id} = m.id AND r.${version} = m.prev_version
       RETURNING r.${id} AS id`;
});

/**
 * The transition history rows of moves made in one go, by one actor, in one INSERT; their ids in order. Parameters:
 * the referral of each move, actor kind, actor user, actor organisation, then one array each of from, to, reason,
 * note, details (JSON text or null) and occurred at, one element per move.
 */
export const insertTransitionEvents = statement<
  { id: string },
  [string[], string, string | null, string | null, string[], string[], (string | null)[], (string | null)[], (string | null)[], Date[]]
>('referrals.insertTransitionEvents', (ds) => {
  const columns = columnsOf(ds, ReferralEventEntity, [
    'referralId',
    'kind',
    'fromStatus',
    'toStatus',
    'actorKind',
    'actorUserId',
    'actorOrganisationId',
    'reason',
    'note',
    'details',
    'occurredAt',
  ]);
  const [id] = columnsOf(ds, ReferralEventEntity, ['id']);
  return `INSERT INTO ${tableOf(ds, ReferralEventEntity)} (${columns.join(', ')})
          SELECT u.ref, 'transition', u.f, u.t, $2::referral_actor_kind, $3::uuid, $4::uuid, u.r, u.n, u.d, u.o
            FROM unnest($1::uuid[], $5::referral_status[], $6::referral_status[], $7::text[], $8::text[], $9::jsonb[], $10::timestamptz[])
                 WITH ORDINALITY AS u(ref, f, t, r, n, d, o, i)
           ORDER BY u.i
          RETURNING ${id} AS id`;
});

/** Whether the history row of the move to $2 recorded the flag $3 (codes only; e.g. viaBreakGlass at the draft). */
export const historyFlag = statement<{ flagged: boolean | null }, [string, ReferralStatus, string]>('referrals.historyFlag', (ds) => {
  const [details, referralId, kind, toStatus] = columnsOf(ds, ReferralEventEntity, ['details', 'referralId', 'kind', 'toStatus']);
  return `SELECT bool_or(COALESCE((${details}->>$3)::boolean, false)) AS flagged FROM ${tableOf(ds, ReferralEventEntity)}
           WHERE ${referralId} = $1 AND ${kind} = 'transition' AND ${toStatus} = $2::referral_status`;
});

/** The organisation whose move a history row records (null for Lintas itself); no row when there is no such row. */
export const eventActorOrganisation = statement<{ actor_organisation_id: string | null }, [string]>(
  'referrals.eventActorOrganisation',
  (ds) => {
    const [id, actorOrganisationId] = columnsOf(ds, ReferralEventEntity, ['id', 'actorOrganisationId']);
    return `SELECT ${actorOrganisationId} AS actor_organisation_id FROM ${tableOf(ds, ReferralEventEntity)} WHERE ${id} = $1`;
  },
);

/** The milestones of these referrals (unordered); `hydrate(…, ReferralMilestoneEntity, 'm', row)`. */
export const milestonesOf = statement<EntityRow, [string[]]>('referrals.milestonesOf', (ds) => {
  const [referralId] = columnsOf(ds, ReferralMilestoneEntity, ['referralId']);
  return `SELECT ${selectList(ds, ReferralMilestoneEntity, 'm')} FROM ${tableOf(ds, ReferralMilestoneEntity)} m WHERE m.${referralId} = ANY($1::uuid[])`;
});
