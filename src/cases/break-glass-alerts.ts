import { EntityManager } from 'typeorm';
import { Actor } from '../common/auth/actor';

/**
 * What cases needs from the alert list: a break-glass access to be reviewed by another supervisor, and the review done.
 * Written in the caller's transaction, so the grant and its alert commit together.
 */
export const BREAK_GLASS_ALERTS = Symbol('BREAK_GLASS_ALERTS');

export interface BreakGlassRef {
  caseId: string;
  breakGlassId: string;
}

export interface BreakGlassAlerts {
  breakGlassUsed(em: EntityManager, actor: Actor, ref: BreakGlassRef): Promise<void>;
  breakGlassReviewed(em: EntityManager, actor: Actor, ref: BreakGlassRef): Promise<void>;
}
