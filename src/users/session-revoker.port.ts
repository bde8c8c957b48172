/**
 * What the users module asks of whoever keeps sessions when an account is disabled: a port the users module owns and
 * the auth module implements (auth.module.ts binds it), so users sits below auth and never imports it.
 */
import { EntityManager } from 'typeorm';

export abstract class SessionRevoker {
  /** Every open session of the user ends, in the caller's transaction. */
  abstract revokeAllSessions(em: EntityManager, userId: string, reason: string): Promise<void>;
}
