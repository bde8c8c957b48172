/** Hand-written statements of the auth module (auth_sessions), with the users and organisations modules' fragments. */
import type { Role } from '../common/vocabulary/roles';
import { columnsOf, statement, tableOf } from '../database/sql';
import { organisationDirectorySql } from '../organisations/organisation-sql';
import { activeUsersSql } from '../users/user-sql';
import { SessionEntity } from './session.entity';

export interface ActorLookupRow {
  i: string;
  organisation_id: string;
  role: Role;
  country: string;
  organisation_type: string;
}

/**
 * For each (user, session) pair, numbered by its position (i): the user's organisation and role, when the user is not
 * disabled and the session is the user's, not revoked and not expired. Parameters: user ids, session ids.
 */
export const actorsOfSessions = statement<ActorLookupRow, [string[], string[]]>('auth.actorsOfSessions', (ds) => {
  const [id, userId, revokedAt, expiresAt] = columnsOf(ds, SessionEntity, ['id', 'userId', 'revokedAt', 'expiresAt']);
  return `SELECT q.i, u.organisation_id, u.role, o.country, o.type AS organisation_type
            FROM unnest($1::uuid[], $2::uuid[]) WITH ORDINALITY AS q(user_id, session_id, i)
            JOIN ${activeUsersSql(ds)} u ON u.id = q.user_id
            JOIN ${organisationDirectorySql(ds)} o ON o.id = u.organisation_id
            JOIN ${tableOf(ds, SessionEntity)} s ON s.${id} = q.session_id AND s.${userId} = u.id AND s.${revokedAt} IS NULL AND s.${expiresAt} > now()`;
});
