/**
 * Who wants what: a person's own e-mail mode, their organisation's default (set by its org admins), and the
 * deployment's default (NOTIFICATION_DEFAULT_EMAIL), in that order.
 */
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, In } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { Actor } from '../common/auth/actor';
import { EmailMode } from '../common/vocabulary/notifications';
import { AppConfig } from '../config/app-config';
import { NotificationPreferencesDto, OrganisationNotificationDefaultDto } from './dto/notification.dto';
import { NotificationPreferenceEntity, OrganisationNotificationDefaultEntity } from './notification-preference.entity';

@Injectable()
export class NotificationPreferences {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly audit: AuditService,
  ) {}

  async mine(actor: Actor): Promise<NotificationPreferencesDto> {
    const em = this.dataSource.manager;
    const own = await em.findOne(NotificationPreferenceEntity, { where: { userId: actor.userId } });
    const organisationDefault = await this.organisationDefault(em, actor.organisationId);
    return {
      email: own?.email ?? null,
      organisationDefault,
      effective: own?.email ?? organisationDefault,
      emailDeliveryEnabled: this.config.email !== null,
    };
  }

  /** `null` goes back to the organisation's default. */
  async setMine(actor: Actor, email: EmailMode | null): Promise<NotificationPreferencesDto> {
    await this.dataSource.transaction(async (em) => {
      if (email === null) await em.delete(NotificationPreferenceEntity, { userId: actor.userId });
      else await em.upsert(NotificationPreferenceEntity, { userId: actor.userId, email }, ['userId']);
      await this.audit.record(em, actor, {
        action: 'notifications.preferences',
        recordType: 'user',
        recordId: actor.userId,
        details: { email },
      });
    });
    return this.mine(actor);
  }

  async organisationDefaultOf(actor: Actor): Promise<OrganisationNotificationDefaultDto> {
    return { organisationId: actor.organisationId, email: await this.organisationDefault(this.dataSource.manager, actor.organisationId) };
  }

  async setOrganisationDefault(actor: Actor, email: EmailMode): Promise<OrganisationNotificationDefaultDto> {
    await this.dataSource.transaction(async (em) => {
      await em.upsert(OrganisationNotificationDefaultEntity, { organisationId: actor.organisationId, email }, ['organisationId']);
      await this.audit.record(em, actor, {
        action: 'notifications.organisation_default',
        recordType: 'organisation',
        recordId: actor.organisationId,
        details: { email },
      });
    });
    return this.organisationDefaultOf(actor);
  }

  /** The effective mode of each user (all of one organisation). */
  async effectiveModes(em: EntityManager, organisationId: string, userIds: readonly string[]): Promise<Map<string, EmailMode>> {
    const fallback = await this.organisationDefault(em, organisationId);
    const own = userIds.length === 0 ? [] : await em.find(NotificationPreferenceEntity, { where: { userId: In([...userIds]) } });
    const byUser = new Map(own.map((p) => [p.userId, p.email]));
    return new Map(userIds.map((id) => [id, byUser.get(id) ?? fallback]));
  }

  private async organisationDefault(em: EntityManager, organisationId: string): Promise<EmailMode> {
    const row = await em.findOne(OrganisationNotificationDefaultEntity, { where: { organisationId } });
    return row?.email ?? this.config.notifications.defaultEmail;
  }
}
