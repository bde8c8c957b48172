/**
 * What a referral looks like to each side: which statuses hide it from the receiver, which of the sender's free text
 * the receiver no longer sees, and the response shapes. Pure: no Nest, no database.
 */
import { MILESTONE_RULES } from '../common/vocabulary';
import { MilestoneViewDto, ReferralHistoryEntryDto, ReferralResponseDto } from './dto/referral.dto';
import { ReferralEventEntity } from './referral-event.entity';
import { ReferralMilestoneEntity } from './referral-milestone.entity';
import { ReferralEntity } from './referral.entity';
import { nextStatuses } from './referral.state-machine';

/** The statuses in which the receiving organisation holds the packet (and may read it while consent permits). */
export const RECEIVER_HOLDS = ['received', 'accepted', 'in_progress', 'completed'] as const;

/** Statuses in which the receiving organisation does not see the referral at all (the sender has not let it go yet). */
export const HIDDEN_FROM_RECEIVER: readonly string[] = ['draft', 'submitted', 'approved'];

/**
 * The receiver learns of a referral only once it was sent: one cancelled, recalled or failed before it left (the gate
 * refused it, say) stays the sender's business.
 */
export const hiddenFromReceiver = (r: Pick<ReferralEntity, 'status' | 'sentAt'>): boolean =>
  HIDDEN_FROM_RECEIVER.includes(r.status) || r.sentAt === null;

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

/**
 * Once the receiver no longer holds the packet (the referral was recalled after the person withdrew consent, or
 * cancelled, rejected or failed), it keeps the referral's record (ids, statuses, dates) but no longer sees the free
 * text the sender wrote about the person (the reason, the sender's notes).
 */
export function senderTextWithheld(
  r: Pick<ReferralEntity, 'status' | 'receivingOrganisationId' | 'sendingOrganisationId'>,
  viewer: string,
): boolean {
  return (
    !(RECEIVER_HOLDS as readonly string[]).includes(r.status) && viewer === r.receivingOrganisationId && viewer !== r.sendingOrganisationId
  );
}

function milestoneView(m: ReferralMilestoneEntity, withholdText = false): MilestoneViewDto {
  return {
    milestone: m.milestone,
    state: m.state,
    recordedBy: MILESTONE_RULES[m.milestone].recordedBy,
    dueAt: m.dueAt.toISOString(),
    occurredAt: iso(m.occurredAt),
    recordedAt: iso(m.recordedAt),
    note: withholdText ? null : m.note,
    skipReason: withholdText ? null : m.skipReason,
  };
}

/** `viewer`: the organisation the answer goes to (the receiver of a recalled referral no longer sees the sender's text). */
export function referralView(r: ReferralEntity, milestones: ReferralMilestoneEntity[], viewer?: string): ReferralResponseDto {
  const withheld = viewer !== undefined && senderTextWithheld(r, viewer);
  return {
    id: r.id,
    caseId: r.caseId,
    sendingOrganisationId: r.sendingOrganisationId,
    receivingOrganisationId: r.receivingOrganisationId,
    responsibleUserId: r.responsibleUserId,
    purpose: r.purpose,
    dataCategories: r.dataCategories,
    reason: withheld ? null : r.reason,
    crossBorder: r.crossBorder,
    transferOwnership: r.transferOwnership,
    claimsOnTransfer: r.claimsOnTransfer,
    status: r.status,
    version: r.version,
    nextStatuses: nextStatuses(r.status),
    sentAt: iso(r.sentAt),
    receivedAt: iso(r.receivedAt),
    acceptanceDueAt: iso(r.acceptanceDueAt),
    acceptedAt: iso(r.acceptedAt),
    failureReason: r.failureReason,
    milestones: milestones.map((m) => milestoneView(m, withheld && m.recordedByOrganisationId === r.sendingOrganisationId)),
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
  };
}

/** One history row as `viewer` sees it (the sender's reason and note withheld as in referralView). */
export function historyEntryView(referral: ReferralEntity, e: ReferralEventEntity, viewer: string): ReferralHistoryEntryDto {
  const withheld = senderTextWithheld(referral, viewer) && e.actorOrganisationId === referral.sendingOrganisationId;
  return {
    id: e.id,
    kind: e.kind,
    from: e.fromStatus,
    to: e.toStatus,
    milestone: e.milestone,
    skipped: e.skipped,
    actorKind: e.actorKind,
    userId: e.actorUserId,
    organisationId: e.actorOrganisationId,
    reason: withheld ? null : e.reason,
    note: withheld ? null : e.note,
    details: e.details,
    occurredAt: e.occurredAt.toISOString(),
    recordedAt: e.recordedAt.toISOString(),
  };
}
