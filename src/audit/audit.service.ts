import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { plainQuery } from '../database/plain-sql';
import { Actor } from '../common/auth/actor';

export interface AuditRecord {
  /** dotted verb, e.g. "case.read_identity", "user.create" */
  action: string;
  recordType: string;
  recordId?: string | null;
  purpose?: string | null;
  /** Ids, codes, counts and field names only: never a name, a document number, a location or free text. */
  details?: Record<string, unknown>;
}

/** Who an event is attributed to: a request's actor, or (at login, before there is one) the user who signed in. */
export type AuditActor = Pick<Actor, 'userId' | 'organisationId' | 'role'> & { correlationId?: string | null };

/**
 * Writes audit events. One insert per event, inside the caller's transaction where there is one. The event is sealed
 * into the hash chain by the worker within about a second (audit-sealer.ts), so an audited request costs one insert.
 */
@Injectable()
export class AuditService {
  async record(em: EntityManager, actor: AuditActor | null, record: AuditRecord): Promise<void> {
    await this.recordMany(em, actor, [record]);
  }

  /**
   * Several events by one actor, in this order, with one INSERT. Plain SQL: nearly every request and job writes here,
   * and building the statement through the ORM cost more than running it.
   */
  async recordMany(em: EntityManager, actor: AuditActor | null, records: AuditRecord[]): Promise<void> {
    if (records.length === 0) return;
    const params: unknown[] = [actor?.userId ?? null, actor?.organisationId ?? null, actor?.role ?? null, actor?.correlationId ?? null];
    const rows = records.map((record) => {
      const at = params.push(record.action, record.recordType, record.recordId ?? null, record.purpose ?? null, record.details ? JSON.stringify(record.details) : null);
      return `($1, $2, $3, $${at - 4}, $${at - 3}, $${at - 2}, $${at - 1}, $4, $${at}::jsonb)`;
    });
    await plainQuery(
      em,
      `INSERT INTO audit_events (actor_user_id, actor_organisation_id, actor_role, action, record_type, record_id, purpose, correlation_id, details)
       VALUES ${rows.join(', ')}`,
      params,
    );
  }
}
