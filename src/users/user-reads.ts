/**
 * Accounts as other modules read them, in the caller's transaction (auth at login and refresh, the bootstrap and the
 * demo seed): the users module answers for its table, so no other module imports its entity.
 */
import { EntityManager } from 'typeorm';
import { UserEntity } from './user.entity';

export type UserRecord = Pick<UserEntity, 'id' | 'organisationId' | 'email' | 'displayName' | 'role' | 'disabledAt'>;

const RECORD = { id: true, organisationId: true, email: true, displayName: true, role: true, disabledAt: true } as const;

export function findUser(em: EntityManager, id: string): Promise<UserRecord | null> {
  return em.findOne(UserEntity, { select: RECORD, where: { id } });
}

/** Emails are stored lower-cased; the caller's is lower-cased here too. */
export function findUserByEmail(em: EntityManager, email: string): Promise<UserRecord | null> {
  return em.findOne(UserEntity, { select: RECORD, where: { email: email.toLowerCase() } });
}

/** The account a login names, with its password hash (never selected otherwise); null when the email is unknown. */
export function findLoginCandidate(em: EntityManager, email: string): Promise<(UserRecord & { passwordHash: string }) | null> {
  return em.findOne(UserEntity, { select: { ...RECORD, passwordHash: true }, where: { email: email.toLowerCase() } });
}

/** Whether any account exists yet (the bootstrap runs only on an empty deployment). */
export function anyUserExists(em: EntityManager): Promise<boolean> {
  return em.exists(UserEntity);
}
