import { Role } from '../vocabulary/roles';

/** Who is acting: taken from the database on every request (so a disabled user or a role change applies at once). */
export interface Actor {
  userId: string;
  organisationId: string;
  organisationCountry: string;
  role: Role;
  sessionId: string;
  correlationId: string;
}
