/** Hand-written statements on users (the users module's table), and the small reads other modules ask of it. */
import { EntityManager } from 'typeorm';
import { runSql, statement } from '../database/sql';

const activeCaseStaffMember = statement<{ id: string }, [string, string]>(
  'users.activeCaseStaffMember',
  () => `SELECT id FROM users WHERE id = $1 AND organisation_id = $2 AND role IN ('caseworker', 'supervisor') AND disabled_at IS NULL`,
);

/** Whether the user is an active caseworker or supervisor of the organisation (someone a case can be assigned to). */
export async function isActiveCaseStaff(em: EntityManager, userId: string, organisationId: string): Promise<boolean> {
  return (await runSql(em, activeCaseStaffMember, [userId, organisationId])).rowCount > 0;
}
