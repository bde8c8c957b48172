/**
 * The worker's side of e-mail: one message per new alert to each person who sees it and chose "immediate", and once a
 * day a digest to each person who chose "daily" and has new alerts. Each message is recorded before it is sent (a
 * unique key per person and alert or day), so a retried job does not send it twice; a failed send removes the record
 * and the job is retried.
 */
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AlertAudienceFacts, AlertsService } from '../alerts/alerts.service';
import { Role } from '../common/vocabulary/roles';
import { AppConfig } from '../config/app-config';
import { Recipient, UserDirectory } from '../users/user-directory';
import { Mailer } from './mailer';
import { alertMail, digestMail, MailText } from './notification-messages';
import { NotificationPreferences } from './notification-preferences.service';
import { NotificationSentEntity } from './notification-sent.entity';

const ALERT_ROLES: readonly Role[] = ['caseworker', 'supervisor', 'org_admin'];
const DAY_MS = 24 * 3600 * 1000;

/** Who sees an alert in their own list (AlertsService.visibleTo, stated as recipients). */
export function seesAlert(user: Pick<Recipient, 'id' | 'role'>, alert: AlertAudienceFacts): boolean {
  if (alert.audience === 'org_admins') return user.role === 'org_admin';
  if (user.role === 'supervisor') return true;
  if (user.role !== 'caseworker' || alert.audience !== 'organisation') return false;
  return alert.assigneeUserId === null || alert.assigneeUserId === user.id;
}

@Injectable()
export class NotificationDispatch {
  private readonly logger = new Logger(NotificationDispatch.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly alerts: AlertsService,
    private readonly users: UserDirectory,
    private readonly preferences: NotificationPreferences,
    private readonly mailer: Mailer,
    private readonly config: AppConfig,
  ) {}

  /** Returns how many messages were sent. */
  async alertRaised(alertId: string): Promise<number> {
    if (!this.mailer.enabled || !this.config.email) return 0;
    const em = this.dataSource.manager;
    const alert = await this.alerts.audienceOf(em, alertId);
    if (!alert) return 0;
    const people = (await this.users.activeIn(em, alert.organisationId, ALERT_ROLES)).filter((u) => seesAlert(u, alert));
    const modes = await this.preferences.effectiveModes(
      em,
      alert.organisationId,
      people.map((p) => p.id),
    );
    let sent = 0;
    for (const person of people) {
      if (modes.get(person.id) !== 'immediate') continue;
      if (await this.sendOnce(person, 'alert', alertId, alertMail(this.config.email.publicBaseUrl))) sent++;
    }
    return sent;
  }

  /**
   * The daily digest for the day ending at `now`: each person on "daily" whose own list gained open alerts in the last
   * 24 hours gets one message counting them by type. Returns how many were sent.
   */
  async digest(now: Date): Promise<number> {
    if (!this.mailer.enabled || !this.config.email) return 0;
    const em = this.dataSource.manager;
    const day = now.toISOString().slice(0, 10);
    const from = new Date(now.getTime() - DAY_MS);
    let sent = 0;
    let after: string | null = null;
    for (;;) {
      const page = await this.users.activePage(em, ALERT_ROLES, after, 500);
      if (page.length === 0) break;
      after = page[page.length - 1].id;
      const byOrganisation = new Map<string, Recipient[]>();
      for (const p of page) byOrganisation.set(p.organisationId, [...(byOrganisation.get(p.organisationId) ?? []), p]);
      for (const [organisationId, people] of byOrganisation) {
        const modes = await this.preferences.effectiveModes(
          em,
          organisationId,
          people.map((p) => p.id),
        );
        for (const person of people) {
          if (modes.get(person.id) !== 'daily') continue;
          const counts = await this.alerts.countNewFor(em, { userId: person.id, organisationId, role: person.role }, from, now);
          if (counts.length === 0) continue;
          if (await this.sendOnce(person, 'digest', day, digestMail(this.config.email.publicBaseUrl, counts))) sent++;
        }
      }
    }
    this.logger.log({ day, sent }, 'notifications.digest');
    return sent;
  }

  private async sendOnce(person: Recipient, kind: 'alert' | 'digest', key: string, mail: MailText): Promise<boolean> {
    const inserted = await this.dataSource
      .createQueryBuilder()
      .insert()
      .into(NotificationSentEntity)
      .values({ userId: person.id, kind, key })
      .orIgnore()
      .returning(['id'])
      .execute();
    const id = (inserted.raw as Array<{ id: string }>)[0]?.id;
    if (!id) return false;
    try {
      await this.mailer.send(person.email, mail);
      return true;
    } catch (err) {
      await this.dataSource.manager.delete(NotificationSentEntity, { id });
      throw err;
    }
  }
}
