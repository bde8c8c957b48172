/** The shapes and constants the referral workflow's files share (no logic: every workflow file may import this). */
import { AuditActor } from '../audit/audit.service';
import type { OrganisationNode } from '../common/vocabulary';
import type { GatePartnerStatus } from '../disclosure/disclosure-rules';
import { TransitionActor } from './referral.state-machine';

/** The receiving organisation as a move needs it: where it lives, its country, the partner's acceptance deadline. */
export interface ReceiverFacts {
  node: OrganisationNode;
  country: string;
  /** The acceptance deadline agreed with a remote receiver's partner deployment, if any. */
  partnerAcceptanceHours: number | null;
  /** A remote receiver's partner deployment status (null for a local one). */
  partnerStatus: GatePartnerStatus | null;
}

/** Who is acting, for the state machine and for the audit log (null: Lintas itself or a partner deployment). */
export interface Mover {
  actor: TransitionActor;
  audit: AuditActor | null;
}

export const SYSTEM: Mover = { actor: { kind: 'system' }, audit: null };

export interface MoveOptions {
  reason?: string | null;
  note?: string | null;
  /** Codes and ids only, for the history row and the audit event. */
  details?: Record<string, string | number | boolean | null | string[]>;
  occurredAt?: Date;
  /** What the caller already read about the receiving organisation in this transaction (saves reading it again). */
  receiver?: ReceiverFacts;
  /** A move to sent: the consents the packet relied on at delivery, kept on the referral with approval's. */
  deliveryConsentIds?: string[];
}

/** A milestone as recorded by a side (done or skipped). */
export interface MilestoneInput {
  skipped: boolean;
  skipReason?: string | null;
  note?: string | null;
  occurredAt?: Date;
}

export const REFERRAL_RECORD = 'referral';
export const MILESTONE_RECORD = 'referral_milestone';
/** Shown (and stored) when the person objects to the home state being told. */
export const OBJECTION_SKIP_REASON = 'The person objects to notification of the home state (ACTIP Art. 14(3))';
