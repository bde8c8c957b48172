import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { AlertAudience, AlertSeverity, AlertType, DEFAULT_ALERT_SEVERITY } from '../common/vocabulary';
import { AlertEntity } from './alert.entity';

export interface RaiseAlert {
  type: AlertType;
  organisationId: string;
  recordType: string;
  recordId: string;
  audience?: AlertAudience;
  severity?: AlertSeverity;
  raisedBy?: string | null;
  /** Ids and codes only. */
  details?: Record<string, string | number | boolean | null>;
  dueAt?: Date | null;
}

/**
 * Raises and resolves alerts inside the caller's transaction, so the state change and its alert commit together.
 * (The alert list API, GET /alerts and POST /alerts/{id}/resolve, belongs to the alerts/consent work.)
 */
@Injectable()
export class AlertsService {
  async raise(em: EntityManager, alert: RaiseAlert): Promise<string> {
    const result = await em.insert(AlertEntity, {
      type: alert.type,
      severity: alert.severity ?? DEFAULT_ALERT_SEVERITY[alert.type],
      status: 'open',
      audience: alert.audience ?? 'organisation',
      organisationId: alert.organisationId,
      recordType: alert.recordType,
      recordId: alert.recordId,
      raisedBy: alert.raisedBy ?? null,
      details: alert.details ?? null,
      dueAt: alert.dueAt ?? null,
    });
    return result.identifiers[0].id as string;
  }

  /** Resolves the open alerts of a type on a record (the work they asked for was done elsewhere). */
  async resolveFor(em: EntityManager, type: AlertType, recordType: string, recordId: string, resolvedBy: string): Promise<number> {
    const result = await em.update(AlertEntity, { type, recordType, recordId, status: 'open' }, { status: 'resolved', resolvedAt: new Date(), resolvedBy });
    return result.affected ?? 0;
  }
}
