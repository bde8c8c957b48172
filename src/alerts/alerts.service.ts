import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Brackets, DataSource, EntityManager, SelectQueryBuilder } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { Actor } from '../common/auth/actor';
import { DomainError, notFound } from '../common/errors/domain-error';
import { Page, pageWindow } from '../common/http/pagination';
import { AlertAudience, AlertSeverity, AlertType, DEFAULT_ALERT_SEVERITY } from '../common/vocabulary/alerts';
import { AppConfig } from '../config/app-config';
import { OutboxService } from '../outbox/outbox.service';
import { runSql } from '../database/sql';
import { AlertEntity } from './alert.entity';
import { insertAlertUnlessOpen, resolveOpenAlertsForRecord } from './alerts.queries';
import { AlertResponseDto, ListAlertsQueryDto, ResolveAlertDto } from './dto/alert.dto';

/** What another module hands to AlertsService.raise. Ids, codes and times only. */
export interface RaiseAlert {
  organisationId: string;
  type: AlertType;
  recordType: string;
  recordId: string;
  caseId?: string | null;
  dueAt?: Date | null;
  /** Defaults to the type's severity (DEFAULT_ALERT_SEVERITY). */
  severity?: AlertSeverity;
  /** "supervisors" keeps the alert out of caseworkers' lists (a break-glass review). Default "organisation". */
  audience?: AlertAudience;
  /** Among caseworkers, only this one sees it (the case's assigned caseworker, say). */
  assigneeUserId?: string | null;
  /** The user whose action is to be reviewed; that user cannot resolve the alert. */
  subjectUserId?: string | null;
  details?: Record<string, string | number | boolean | null>;
  /**
   * While an alert with this key is open in the organisation, raising it again returns the open one.
   * Default "<type>:<recordType>:<recordId>"; pass a finer key when one record can need the same action twice
   * (a milestone name, a provision index). Codes and ids only.
   */
  dedupeKey?: string;
}

/** The outbox type of a new alert, for the modules that react to it (e-mail): ids only. */
export const ALERT_RAISED_JOB = 'alerts.raised';

/** Who may see an alert (visibleTo below), for the modules that tell them (e-mail). */
export interface AlertAudienceFacts {
  organisationId: string;
  audience: AlertAudience;
  assigneeUserId: string | null;
}

/** Whose list to count in: the person, by organisation and role. */
export interface AlertViewer {
  userId: string;
  organisationId: string;
  role: Actor['role'];
}

/** Where system resolutions are recorded, instead of a user. */
export type SystemResolutionCode = 'consent_withdrawn' | 'consent_renewed' | 'record_closed' | 'no_longer_applies' | 'erasure_requested';

@Injectable()
export class AlertsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly audit: AuditService,
    private readonly outbox: OutboxService,
  ) {}

  /**
   * Raises an alert in the caller's transaction, at most once while open: a second raise with the same organisation
   * and dedupe key returns the open alert (created: false). Safe under concurrency (a unique partial index decides).
   */
  async raise(em: EntityManager, alert: RaiseAlert): Promise<{ id: string; created: boolean }> {
    const dedupeKey = alert.dedupeKey ?? `${alert.type}:${alert.recordType}:${alert.recordId}`;
    // Twice at most: the open alert that blocked the insert may be resolved before it is read back.
    for (let attempt = 0; ; attempt++) {
      const found = await this.insertOrFind(em, alert, dedupeKey);
      if (found || attempt === 1) {
        if (!found) throw new Error('alert neither inserted nor found open');
        if (found.created) await this.publishRaised(em, found.id, alert);
        // E-mail to the people who see it (src/notifications), only while e-mail is on.
        if (found.created && this.config.email) await this.outbox.add(em, { type: ALERT_RAISED_JOB, payload: { alertId: found.id } });
        return found;
      }
    }
  }

  /** The organisation's own systems hear of a new alert (webhooks): its id, type and what it is about, nothing more. */
  private async publishRaised(em: EntityManager, id: string, alert: RaiseAlert): Promise<void> {
    await this.outbox.publish(em, {
      type: 'alert.raised',
      organisationId: alert.organisationId,
      data: {
        alertId: id,
        alertType: alert.type,
        severity: alert.severity ?? DEFAULT_ALERT_SEVERITY[alert.type],
        recordType: alert.recordType,
        recordId: alert.recordId,
        status: 'open',
      },
      occurredAt: new Date(),
    });
  }

  private async insertOrFind(em: EntityManager, alert: RaiseAlert, dedupeKey: string): Promise<{ id: string; created: boolean } | null> {
    // Plain SQL: raised in many transactions (each local delivery, for one), where building the statement through the ORM
    // cost more than running it. ON CONFLICT: the open alert with this key exists (uq_alerts_open_dedupe).
    const row: Partial<AlertEntity> = {
      organisationId: alert.organisationId,
      type: alert.type,
      severity: alert.severity ?? DEFAULT_ALERT_SEVERITY[alert.type],
      status: 'open',
      audience: alert.audience ?? 'organisation',
      assigneeUserId: alert.assigneeUserId ?? null,
      subjectUserId: alert.subjectUserId ?? null,
      recordType: alert.recordType,
      recordId: alert.recordId,
      caseId: alert.caseId ?? null,
      dedupeKey,
      details: alert.details ?? null,
      dueAt: alert.dueAt ?? null,
    };
    const { rows: inserted } = await runSql(em, insertAlertUnlessOpen, insertAlertUnlessOpen.values(em.connection, row));
    const id = inserted[0]?.id;
    if (id) return { id, created: true };
    const open = await em.findOne(AlertEntity, {
      where: { organisationId: alert.organisationId, dedupeKey, status: 'open' },
      select: { id: true },
    });
    return open ? { id: open.id, created: false } : null;
  }

  /** Closes the open alerts about a record when the system knows they no longer need anyone (a withdrawn consent). */
  async resolveOpenForRecord(
    em: EntityManager,
    where: { recordType: string; recordId: string; type?: AlertType },
    code: SystemResolutionCode,
  ): Promise<number> {
    // Plain SQL: every state change of a referral and of a consent asks this.
    const { rowCount } = await runSql(em, resolveOpenAlertsForRecord, [where.recordType, where.recordId, code, where.type ?? null]);
    return rowCount;
  }

  /** Who sees the alert: its organisation, audience and assignee (null when it no longer exists). */
  async audienceOf(em: EntityManager, alertId: string): Promise<AlertAudienceFacts | null> {
    const row = await em.findOne(AlertEntity, {
      where: { id: alertId },
      select: { organisationId: true, audience: true, assigneeUserId: true },
    });
    return row ? { organisationId: row.organisationId, audience: row.audience, assigneeUserId: row.assigneeUserId } : null;
  }

  /** Alerts raised in [from, to) that the viewer's own list shows and that are still open, counted by type. */
  async countNewFor(em: EntityManager, viewer: AlertViewer, from: Date, to: Date): Promise<Array<{ type: AlertType; count: number }>> {
    const rows = await this.visibleTo(em, viewer)
      .andWhere(`a.status = 'open'`)
      .andWhere('a.raised_at >= :from AND a.raised_at < :to', { from, to })
      .select('a.type', 'type')
      .addSelect('count(*)::int', 'count')
      .groupBy('a.type')
      .orderBy('a.type')
      .getRawMany<{ type: AlertType; count: number }>();
    return rows;
  }

  async list(actor: Actor, query: ListAlertsQueryDto): Promise<Page<AlertResponseDto>> {
    const { page, limit, skip } = pageWindow(query, this.config.http.listLimitMax);
    const qb = this.visibleTo(this.dataSource.manager, actor).andWhere('a.status = :status', { status: query.status ?? 'open' });
    if (query.type) qb.andWhere('a.type = :type', { type: query.type });
    if (query.caseId) qb.andWhere('a.case_id = :caseId', { caseId: query.caseId });
    // Most urgent first: severity, then the nearest due date, then the oldest.
    const [rows, total] = await qb
      .orderBy('a.severity', 'DESC')
      .addOrderBy('a.due_at', 'ASC', 'NULLS LAST')
      .addOrderBy('a.raised_at', 'ASC')
      .addOrderBy('a.id', 'ASC')
      .skip(skip)
      .take(limit)
      .getManyAndCount();
    return { items: rows.map((row) => AlertResponseDto.from(row)), total, page, limit };
  }

  async resolve(actor: Actor, id: string, dto: ResolveAlertDto): Promise<AlertResponseDto> {
    return this.dataSource.transaction(async (em) => {
      const alert = await this.visibleTo(em, actor).andWhere('a.id = :id', { id }).setLock('pessimistic_write').getOne();
      if (!alert) throw notFound('Alert');
      if (alert.status === 'resolved') throw new DomainError('ALERT_ALREADY_RESOLVED', 'This alert is already resolved', { alertId: id });
      if (alert.subjectUserId === actor.userId) {
        throw new DomainError('ALERT_SELF_REVIEW', 'This alert reviews your own action; another person must resolve it', { alertId: id });
      }
      await em.update(
        AlertEntity,
        { id },
        {
          status: 'resolved',
          resolvedAt: new Date(),
          resolvedByUserId: actor.userId,
          resolutionCode: 'resolved',
          resolutionNote: dto.note ?? null,
        },
      );
      // The note is free text: it stays in the alert row, never in the audit trail.
      await this.audit.record(em, actor, {
        action: 'alert.resolve',
        recordType: 'alert',
        recordId: id,
        details: { type: alert.type, recordType: alert.recordType, recordId: alert.recordId, withNote: dto.note !== undefined },
      });
      return AlertResponseDto.from(await em.findOneOrFail(AlertEntity, { where: { id } }));
    });
  }

  /** Whether the viewer's alert list (open or resolved) shows this alert: the change feed asks before naming it. */
  async isVisible(em: EntityManager, viewer: AlertViewer, id: string): Promise<boolean> {
    return (await this.visibleTo(em, viewer).andWhere('a.id = :id', { id }).getCount()) > 0;
  }

  /**
   * The caller's organisation only. Supervisors see all of its case-work alerts; caseworkers see those meant for the
   * whole organisation and, of the ones assigned to a person, only their own; org admins see only those meant for them.
   */
  private visibleTo(em: EntityManager, actor: AlertViewer): SelectQueryBuilder<AlertEntity> {
    const qb = em.createQueryBuilder(AlertEntity, 'a').where('a.organisation_id = :org', { org: actor.organisationId });
    if (actor.role === 'org_admin') return qb.andWhere(`a.audience = 'org_admins'`);
    if (actor.role === 'supervisor') return qb.andWhere(`a.audience <> 'org_admins'`);
    return qb
      .andWhere(`a.audience = 'organisation'`)
      .andWhere(new Brackets((b) => b.where('a.assignee_user_id IS NULL').orWhere('a.assignee_user_id = :me', { me: actor.userId })));
  }
}
