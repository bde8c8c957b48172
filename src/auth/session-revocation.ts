/** The auth module's side of the users module's SessionRevoker port: disabling an account ends its sessions. */
import { Injectable } from '@nestjs/common';
import { EntityManager, IsNull } from 'typeorm';
import { SessionRevoker } from '../users/session-revoker.port';
import { SessionEntity } from './session.entity';

@Injectable()
export class SessionRevocation extends SessionRevoker {
  async revokeAllSessions(em: EntityManager, userId: string, reason: string): Promise<void> {
    await em.update(SessionEntity, { userId, revokedAt: IsNull() }, { revokedAt: new Date(), revokedReason: reason });
  }
}
