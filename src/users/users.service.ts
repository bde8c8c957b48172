import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, FindOptionsWhere } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { PasswordHasher } from './passwords/password-hasher';
import { assertPasswordAcceptable } from './passwords/password-policy';
import { Actor } from '../common/auth/actor';
import { scopedToOrganisation } from '../common/auth/access';
import { DomainError, notFound } from '../common/errors/domain-error';
import { Page, pageWindow } from '../common/http/pagination';
import { ROLE_RANK, Role } from '../common/vocabulary';
import { AppConfig } from '../config/app-config';
import { isUniqueViolation } from '../database/errors';
import { findOrganisation } from '../organisations/organisation-reads';
import { CreateUserDto, ListUsersQueryDto, MeResponseDto, UpdateUserDto, UserResponseDto } from './dto/user.dto';
import { assertAssignable, assertRoleFitsOrganisation } from './role-assignment';
import { SessionRevoker } from './session-revoker.port';
import { UserEntity } from './user.entity';

function toResponse(u: UserEntity): UserResponseDto {
  return {
    id: u.id,
    email: u.email,
    displayName: u.displayName,
    role: u.role,
    organisationId: u.organisationId,
    disabled: u.disabledAt !== null,
    createdAt: u.createdAt.toISOString(),
  };
}

@Injectable()
export class UsersService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly hasher: PasswordHasher,
    private readonly sessions: SessionRevoker,
    private readonly config: AppConfig,
    private readonly audit: AuditService,
  ) {}

  async create(actor: Actor, dto: CreateUserDto): Promise<UserResponseDto> {
    const organisationId = dto.organisationId ?? actor.organisationId;
    if (actor.role !== 'platform_admin' && organisationId !== actor.organisationId) {
      // An org admin naming another organisation learns nothing about it.
      throw new DomainError('ORGANISATION_NOT_FOUND', 'Organisation not found');
    }
    assertAssignable(actor.role, dto.role);
    const email = dto.email.toLowerCase();
    assertPasswordAcceptable(dto.password, { email });
    const passwordHash = await this.hasher.hash(dto.password);
    return this.dataSource.transaction(async (em) => {
      const org = await findOrganisation(em, { id: organisationId });
      if (!org || org.node !== 'local') throw new DomainError('ORGANISATION_NOT_FOUND', 'Organisation not found');
      assertRoleFitsOrganisation(dto.role, org.type);
      const user = await this.insert(em, { email, passwordHash, role: dto.role, organisationId, displayName: dto.displayName });
      await this.audit.record(em, actor, {
        action: 'user.create',
        recordType: 'user',
        recordId: user.id,
        details: { role: user.role, organisationId },
      });
      return toResponse(user);
    });
  }

  /** Used by the bootstrap and the demo seed as well as the API. */
  async insert(
    em: EntityManager,
    u: { email: string; passwordHash: string; role: Role; organisationId: string; displayName: string },
  ): Promise<UserEntity> {
    try {
      const saved = await em.save(em.create(UserEntity, { ...u, email: u.email.toLowerCase(), disabledAt: null }));
      return saved;
    } catch (err) {
      if (isUniqueViolation(err)) throw new DomainError('EMAIL_TAKEN', 'A user with this email already exists');
      throw err;
    }
  }

  async list(actor: Actor, query: ListUsersQueryDto): Promise<Page<UserResponseDto>> {
    const { page, limit, skip } = pageWindow(query, this.config.http.listLimitMax);
    const where: FindOptionsWhere<UserEntity> = scopedToOrganisation<UserEntity>(actor, 'organisationId', {
      ...(query.role ? { role: query.role } : {}),
      ...(query.organisationId ? { organisationId: query.organisationId } : {}),
    }); // a non-admin's organisation filter is replaced by its own organisation
    const [rows, total] = await this.dataSource
      .getRepository(UserEntity)
      .findAndCount({ where, order: { createdAt: 'ASC', id: 'ASC' }, skip, take: limit });
    return { items: rows.map(toResponse), total, page, limit };
  }

  async get(actor: Actor, id: string): Promise<UserResponseDto> {
    return toResponse(await this.findScoped(this.dataSource.manager, actor, id));
  }

  async update(actor: Actor, id: string, dto: UpdateUserDto): Promise<UserResponseDto> {
    if (id === actor.userId && (dto.role !== undefined || dto.disabled !== undefined)) {
      throw new DomainError('CANNOT_CHANGE_OWN_ACCOUNT', 'You cannot change your own role or disable yourself');
    }
    return this.dataSource.transaction(async (em) => {
      const user = await this.findScoped(em, actor, id, true);
      // Only touch an account at or below your own rank.
      if (actor.role !== 'platform_admin' && ROLE_RANK[user.role] > ROLE_RANK[actor.role]) {
        throw new DomainError('ROLE_NOT_ASSIGNABLE', 'Your role cannot change this account');
      }
      if (dto.role !== undefined) {
        assertAssignable(actor.role, dto.role);
        // An organisation's type cannot change (no route changes it), so reading it here without a lock is enough.
        const org = await findOrganisation(em, { id: user.organisationId });
        if (!org) throw notFound('User');
        assertRoleFitsOrganisation(dto.role, org.type);
      }
      const changes: Partial<UserEntity> = {};
      if (dto.role !== undefined) changes.role = dto.role;
      if (dto.displayName !== undefined) changes.displayName = dto.displayName;
      if (dto.disabled !== undefined) changes.disabledAt = dto.disabled ? (user.disabledAt ?? new Date()) : null;
      if (Object.keys(changes).length > 0) await em.update(UserEntity, { id }, changes);
      if (dto.disabled) await this.sessions.revokeAllSessions(em, id, 'user_disabled');
      await this.audit.record(em, actor, {
        action: 'user.update',
        recordType: 'user',
        recordId: id,
        details: {
          fields: Object.keys(changes),
          ...(changes.role ? { role: changes.role } : {}),
          ...(dto.disabled !== undefined ? { disabled: dto.disabled } : {}),
        },
      });
      return toResponse(await this.findScoped(em, actor, id));
    });
  }

  async me(actor: Actor): Promise<MeResponseDto> {
    const user = await this.dataSource.getRepository(UserEntity).findOne({ where: { id: actor.userId } });
    const organisation = user && (await findOrganisation(this.dataSource.manager, { id: user.organisationId }));
    if (!user || !organisation) throw notFound('User');
    return {
      id: user.id,
      email: user.email,
      displayName: user.displayName,
      role: user.role,
      organisationId: user.organisationId,
      organisation: { name: organisation.name, country: organisation.country, type: organisation.type },
    };
  }

  private async findScoped(em: EntityManager, actor: Actor, id: string, lock = false): Promise<UserEntity> {
    const user = await em.findOne(UserEntity, {
      where: scopedToOrganisation<UserEntity>(actor, 'organisationId', { id }),
      ...(lock ? { lock: { mode: 'pessimistic_write' as const } } : {}),
    });
    if (!user) throw notFound('User');
    return user;
  }
}
