import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { takeTransactionLock } from '../database/locks';
import { AuditService } from '../audit/audit.service';
import { PasswordHasher } from '../users/passwords/password-hasher';
import { assertPasswordAcceptable } from '../users/passwords/password-policy';
import { AppConfig } from '../config/app-config';
import { insertLocalOrganisation } from '../organisations/organisation-reads';
import { anyUserExists } from '../users/user-reads';
import { UsersService } from '../users/users.service';

export const OPERATOR_ORGANISATION = { name: 'Lintas operator', country: 'TH', type: 'ngo' } as const;

/**
 * On an empty database, creates the operator organisation and its platform admin from LINTAS_BOOTSTRAP_ADMIN_EMAIL and
 * LINTAS_BOOTSTRAP_ADMIN_PASSWORD. Once any user exists it never runs again. Safe with several API replicas starting
 * together (transaction-scoped advisory lock).
 */
@Injectable()
export class BootstrapService implements OnApplicationBootstrap {
  private readonly logger = new Logger(BootstrapService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly hasher: PasswordHasher,
    private readonly users: UsersService,
    private readonly audit: AuditService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const admin = this.config.bootstrapAdmin;
    if (!admin) return;
    const created = await this.ensureAdmin(admin.email, admin.password);
    if (created) this.logger.log('bootstrap: created the operator organisation and its platform admin');
  }

  async ensureAdmin(email: string, password: string): Promise<boolean> {
    // Once anyone exists the variables are ignored, before they are judged: a password left in the environment that a
    // later release refuses (a longer common-password list) must not stop the API from starting.
    if (await anyUserExists(this.dataSource.manager)) return false;
    assertPasswordAcceptable(password, { email });
    const passwordHash = await this.hasher.hash(password);
    return this.dataSource.transaction(async (em) => {
      await takeTransactionLock(em, 'lintas:bootstrap');
      if (await anyUserExists(em)) return false;
      const org = await insertLocalOrganisation(em, OPERATOR_ORGANISATION);
      const admin = await this.users.insert(em, {
        email,
        passwordHash,
        role: 'platform_admin',
        organisationId: org.id,
        displayName: 'Platform administrator',
      });
      await this.audit.record(em, null, {
        action: 'user.bootstrap',
        recordType: 'user',
        recordId: admin.id,
        details: { role: 'platform_admin', organisationId: org.id },
      });
      return true;
    });
  }
}
