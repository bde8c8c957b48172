/** Small reads other modules ask of the users module, as functions (no provider to import). */
import { EntityManager } from 'typeorm';
import { runSql } from '../database/sql';
import { activeCaseStaffMember } from './users.queries';

/** Whether the user is an active caseworker or supervisor of the organisation (someone a case can be assigned to). */
export async function isActiveCaseStaff(em: EntityManager, userId: string, organisationId: string): Promise<boolean> {
  return (await runSql(em, activeCaseStaffMember, [userId, organisationId])).rowCount > 0;
}
