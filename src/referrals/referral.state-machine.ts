/**
 * The referral state machine: one table of every allowed move, who may make it, and the extra rules, plus the one
 * assertion every state change goes through. Pure TypeScript (no Nest, no TypeORM), so the table can be walked whole
 * in a unit spec and read by a person.
 */
import { DomainError, notFound } from '../common/errors/domain-error';
import { ReferralSide, ReferralStatus, Role } from '../common/vocabulary';

/** The roles that handle case work; org admins, auditors and platform admins never move a referral. */
export const CASE_ROLES: readonly Role[] = ['caseworker', 'supervisor'];

export interface TransitionRule {
  by: ReferralSide;
  /** Roles a user of that side needs (not used for system moves). */
  roles?: readonly Role[];
  reasonRequired?: boolean;
  /** May also arrive from the partner deployment as a signed event (the moves a remote side makes on its own node). */
  remote?: true;
  /**
   * Approval: a cross-border referral needs a supervisor of the sending organisation; a domestic one may also be
   * approved by the caseworker responsible for it.
   */
  approval?: true;
}

const sender = (extra: Partial<TransitionRule> = {}): TransitionRule => ({ by: 'sender', roles: CASE_ROLES, ...extra });
const receiver = (extra: Partial<TransitionRule> = {}): TransitionRule => ({ by: 'receiver', roles: CASE_ROLES, ...extra });
const system: TransitionRule = { by: 'system' };
const cancel = sender({ reasonRequired: true, remote: true });

/**
 * Every allowed (from → to). Anything not listed is refused with 409.
 * - cancelled: by the sender, with a reason, at any point before the receiver accepts.
 * - sent, received, failed: Lintas itself (delivery, the receiver's acknowledgement, delivery failing for good). A local
 *   delivery also goes through `sent`, so every referral has the same history.
 * - recalled: Lintas itself, when the consent the referral relies on is withdrawn. Possible while the receiver holds
 *   or may still get the data, completed included; rejected, cancelled and failed referrals have already ended the
 *   receiver's access.
 */
export const TRANSITIONS: Readonly<Record<ReferralStatus, Readonly<Partial<Record<ReferralStatus, TransitionRule>>>>> = {
  draft: { submitted: sender(), cancelled: cancel, recalled: system },
  submitted: { approved: sender({ approval: true }), cancelled: cancel, recalled: system },
  approved: { sent: system, failed: system, cancelled: cancel, recalled: system },
  sent: { received: system, failed: system, cancelled: cancel, recalled: system },
  received: {
    accepted: receiver({ remote: true }),
    rejected: receiver({ reasonRequired: true, remote: true }),
    cancelled: cancel,
    recalled: system,
  },
  accepted: { in_progress: receiver({ remote: true }), recalled: system },
  in_progress: { completed: receiver({ remote: true }), recalled: system },
  completed: { recalled: system },
  rejected: {},
  cancelled: {},
  failed: {},
  recalled: {},
};

/** The REST verbs (POST /api/v1/referrals/{id}/<action>) and the status each asks for. */
export const REFERRAL_ACTIONS = {
  submit: 'submitted',
  approve: 'approved',
  accept: 'accepted',
  reject: 'rejected',
  start: 'in_progress',
  complete: 'completed',
  cancel: 'cancelled',
} as const satisfies Record<string, ReferralStatus>;
export type ReferralAction = keyof typeof REFERRAL_ACTIONS;

/** Statuses from which nothing but (possibly) a recall can follow. */
export const TERMINAL_STATUSES: readonly ReferralStatus[] = ['rejected', 'cancelled', 'failed', 'recalled'];

export type TransitionActor =
  /** A signed-in user of this deployment. */
  | { kind: 'user'; userId: string; organisationId: string; role: Role }
  /** A remote organisation acting through a signed, verified event from its deployment (which checked its own roles). */
  | { kind: 'partner'; organisationId: string }
  /** Lintas itself: delivery, acknowledgement, failure, recall. */
  | { kind: 'system' };

export interface TransitionContext {
  actor: TransitionActor;
  sendingOrganisationId: string;
  receivingOrganisationId: string;
  /** The two organisations' countries differ. */
  crossBorder: boolean;
  /** The caseworker responsible for the referral (who drafted it). */
  responsibleUserId: string;
  reason?: string | null;
}

function sidesOf(actor: Exclude<TransitionActor, { kind: 'system' }>, ctx: TransitionContext): Set<ReferralSide> {
  const sides = new Set<ReferralSide>();
  if (actor.organisationId === ctx.sendingOrganisationId) sides.add('sender');
  if (actor.organisationId === ctx.receivingOrganisationId) sides.add('receiver');
  return sides;
}

const forbidden = (message: string, details: Record<string, unknown>): DomainError =>
  new DomainError('REFERRAL_ACTION_FORBIDDEN', message, details);

/**
 * Checks one move and returns the status to write. In this order, so nobody learns more than they may:
 * 1. an actor whose organisation is neither side gets 404, exactly as for a referral that does not exist;
 * 2. a move the table does not list is 409 with the current status;
 * 3. the wrong side, or a role that may not make the move, is 403;
 * 4. a move that needs a reason and has none is 400.
 */
export function assertTransition(from: ReferralStatus, to: ReferralStatus, ctx: TransitionContext): ReferralStatus {
  const { actor } = ctx;
  const sides = actor.kind === 'system' ? null : sidesOf(actor, ctx);
  if (sides && sides.size === 0) throw notFound('Referral');

  const rule = TRANSITIONS[from][to];
  if (!rule) {
    throw new DomainError('REFERRAL_INVALID_TRANSITION', `A ${from} referral cannot become ${to}`, { currentStatus: from, requested: to });
  }

  if (rule.by === 'system') {
    if (actor.kind !== 'system') throw forbidden(`Only Lintas itself moves a referral to ${to}`, { requiredSide: 'system', requested: to });
  } else {
    if (actor.kind === 'system' || !sides!.has(rule.by)) {
      throw forbidden(`Only the ${rule.by === 'sender' ? 'sending' : 'receiving'} organisation may do this`, {
        requiredSide: rule.by,
        requested: to,
      });
    }
    if (actor.kind === 'user') assertRole(rule, to, actor, ctx);
    else if (!rule.remote) {
      // Submitting and approving are decisions of named people on the sending deployment, never of a signed event.
      throw forbidden('This move is made by a user of this deployment, not by a partner event', { requiredSide: rule.by, requested: to });
    }
  }

  if (rule.reasonRequired && !(typeof ctx.reason === 'string' && ctx.reason.trim().length > 0)) {
    throw new DomainError('REFERRAL_REASON_REQUIRED', `A reason is required to move a referral to ${to}`, { requested: to });
  }
  return to;
}

function assertRole(
  rule: TransitionRule,
  to: ReferralStatus,
  actor: Extract<TransitionActor, { kind: 'user' }>,
  ctx: TransitionContext,
): void {
  if (rule.approval) {
    if (actor.role === 'supervisor') return;
    if (!ctx.crossBorder && actor.role === 'caseworker' && actor.userId === ctx.responsibleUserId) return;
    throw forbidden(
      ctx.crossBorder
        ? 'A cross-border referral needs a supervisor of the sending organisation to approve it'
        : 'A domestic referral is approved by a supervisor or by the caseworker responsible for it',
      { requiredSide: rule.by, requiredRoles: ctx.crossBorder ? ['supervisor'] : ['supervisor', 'caseworker'], requested: to },
    );
  }
  if (rule.roles && !rule.roles.includes(actor.role)) {
    throw forbidden('Your role does not allow this action on a referral', {
      requiredSide: rule.by,
      requiredRoles: rule.roles,
      requested: to,
    });
  }
}

/** The statuses reachable from `from` (for a client's buttons, and the docs). */
export function nextStatuses(from: ReferralStatus): ReferralStatus[] {
  return Object.keys(TRANSITIONS[from]) as ReferralStatus[];
}
