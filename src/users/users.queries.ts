/** Hand-written statements on users (the users module's table). */
import { statement } from '../database/sql';

export const activeCaseStaffMember = statement<{ id: string }, [string, string]>(
  'users.activeCaseStaffMember',
  () => `SELECT id FROM users WHERE id = $1 AND organisation_id = $2 AND role IN ('caseworker', 'supervisor') AND disabled_at IS NULL`,
);
