import { EntityManager } from 'typeorm';
import { ConsentPurpose, DataCategory } from '../common/vocabulary';
import { EventPacketBody, RecallReason } from './referral-packets';

/** A verified wire event (a status change or milestone the partner organisation made, or a restriction notice), as the port applies it. */
export type PartnerEvent =
  | {
      kind: 'status';
      status: Extract<EventPacketBody, { kind: 'status' }>['status'];
      reason: string | null;
      note: string | null;
      occurredAt: Date;
    }
  | {
      kind: 'milestone';
      milestone: Extract<EventPacketBody, { kind: 'milestone' }>['milestone'];
      skipped: boolean;
      reason: string | null;
      note: string | null;
      occurredAt: Date;
    }
  /** The sender's notice that the person restricted the case (or lifted it): told to the receiving organisation. */
  | { kind: 'restriction'; restricted: boolean; occurredAt: Date; jti: string }
  /** The sender corrected the case: the categories merged into the stored packet (told to the receiving organisation). */
  | { kind: 'rectification'; correctionId: string; categories: DataCategory[]; occurredAt: Date; jti: string }
  /** A claim's snapshot from the side that holds the case (content checked by the restitution module). */
  | { kind: 'restitution_claim'; claim: Record<string, unknown>; occurredAt: Date }
  /** A payment recorded on the copy's side, for the record. */
  | { kind: 'restitution_payment'; claimId: string; payment: Record<string, unknown>; occurredAt: Date }
  /** A change of a claim's facts made on the copy's side by the responsible organisation, for the record. */
  | { kind: 'restitution_claim_change'; claimId: string; change: Record<string, unknown>; occurredAt: Date };

export interface IncomingReferralInput {
  /** The remote organisation (registered on this deployment) the partner speaks for. */
  sendingOrganisationId: string;
  receivingOrganisationId: string;
  purpose: ConsentPurpose;
  dataCategories: DataCategory[];
  crossBorder: boolean;
  /** The sender's explanation, kept like the sender keeps it (never logged or audited). */
  reason: string;
  receivedAt: Date;
  /** The acceptance deadline agreed with the sending partner. */
  acceptanceDeadlineHours: number;
  /** The claims the packet carried (unchecked snapshots), or none. */
  restitutionClaims: Record<string, unknown>[];
}

/**
 * What federation hands on to the referral records of this deployment, in the caller's transaction (so the packet id
 * it records and the packet's effect commit together). Federation verifies packets and keeps the encrypted packet
 * data; the referrals module owns the referral rows, their state machine, history, milestones and alerts, and
 * implements this (src/referrals/referral-partner-inbound.ts). The app root wires the two (FederationModule.forRoot),
 * so federation imports nothing of referrals.
 */
export abstract class ReferralFederationPort {
  /** Creates the local record of an incoming referral from a partner, already `received`; returns its id. */
  abstract createIncoming(em: EntityManager, input: IncomingReferralInput): Promise<string>;
  /** Applies a verified status change, milestone or restriction notice that the partner organisation sent from its deployment. */
  abstract applyPartnerEvent(em: EntityManager, referralId: string, partnerOrganisationId: string, event: PartnerEvent): Promise<void>;
  /** The sender recalled an incoming referral (for the reason it gave): it becomes `recalled` here. */
  abstract recallIncoming(em: EntityManager, referralId: string, reason?: RecallReason): Promise<void>;
  /** One of this deployment's referrals sent to an organisation of that partner, or null. */
  abstract outgoingToPartner(em: EntityManager, referralId: string, partnerId: string): Promise<{ receivingOrganisationId: string } | null>;
}
