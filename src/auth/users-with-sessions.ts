/**
 * The users module with its SessionRevoker port bound to the auth module's sessions: one object, imported by every
 * module that needs the users module (the app root, auth, bootstrap), so Nest builds one instance of it.
 */
import { UsersModule } from '../users/users.module';
import { SessionRevocation } from './session-revocation';

export const USERS_WITH_SESSIONS = UsersModule.withSessions(SessionRevocation);
