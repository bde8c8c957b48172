/**
 * Who to tell: the active users of an organisation in given roles, with the address to write to. For modules that
 * notify people (e-mail); it reads nothing else of a user.
 */
import { Injectable } from '@nestjs/common';
import { EntityManager, In, IsNull } from 'typeorm';
import { Role } from '../common/vocabulary/roles';
import { UserEntity } from './user.entity';

export interface Recipient {
  id: string;
  email: string;
  role: Role;
  organisationId: string;
}

@Injectable()
export class UserDirectory {
  async activeIn(em: EntityManager, organisationId: string, roles: readonly Role[]): Promise<Recipient[]> {
    if (roles.length === 0) return [];
    const rows = await em.find(UserEntity, {
      where: { organisationId, role: In([...roles]), disabledAt: IsNull() },
      select: { id: true, email: true, role: true, organisationId: true },
      order: { id: 'ASC' },
    });
    return rows.map((u) => ({ id: u.id, email: u.email, role: u.role, organisationId: u.organisationId }));
  }

  /** Active users in the roles that get alerts, across every organisation (the daily digest's run), in pages. */
  async activePage(em: EntityManager, roles: readonly Role[], afterId: string | null, limit: number): Promise<Recipient[]> {
    const qb = em
      .createQueryBuilder(UserEntity, 'u')
      .select(['u.id', 'u.email', 'u.role', 'u.organisationId'])
      .where('u.disabled_at IS NULL')
      .andWhere('u.role IN (:...roles)', { roles })
      .orderBy('u.id', 'ASC')
      .take(limit);
    if (afterId) qb.andWhere('u.id > :afterId', { afterId });
    const rows = await qb.getMany();
    return rows.map((u) => ({ id: u.id, email: u.email, role: u.role, organisationId: u.organisationId }));
  }
}
