import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { Actor } from '../common/auth/actor';
import { MicroBatcher } from '../common/batching/micro-batcher';
import { plainQuery } from '../database/plain-sql';
import { AuditEventEntity } from './audit-event.entity';

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

type AuditRow = Pick<
  AuditEventEntity,
  'actorUserId' | 'actorOrganisationId' | 'actorRole' | 'action' | 'recordType' | 'recordId' | 'purpose' | 'correlationId' | 'details'
>;

/**
 * Writes audit events. Inside a transaction: one insert in the caller's transaction, committed (or rolled back) with the
 * change it records. Outside one (the reads, e.g. GET /cases/{id}): the events of the requests that reach this point in
 * the same turn of the event loop are written by one multi-row INSERT, and each caller's promise settles only when that
 * INSERT has committed, so an answer still never leaves before its audit event is stored. A batch that fails is retried
 * row by row, so one caller's failure cannot fail another's read.
 *
 * Events are sealed into the hash chain by the worker within about a second (audit-sealer.ts).
 */
@Injectable()
export class AuditService {
  private readonly batcher: MicroBatcher<AuditRow, void>;

  constructor(@InjectDataSource() dataSource: DataSource) {
    this.batcher = new MicroBatcher<AuditRow, void>(
      async (rows) => {
        await dataSource.query(
          `INSERT INTO audit_events
             (actor_user_id, actor_organisation_id, actor_role, action, record_type, record_id, purpose, correlation_id, details)
           SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::varchar[], $4::varchar[], $5::varchar[], $6::varchar[], $7::varchar[],
                                $8::varchar[], $9::jsonb[])`,
          [
            rows.map((r) => r.actorUserId),
            rows.map((r) => r.actorOrganisationId),
            rows.map((r) => r.actorRole),
            rows.map((r) => r.action),
            rows.map((r) => r.recordType),
            rows.map((r) => r.recordId),
            rows.map((r) => r.purpose),
            rows.map((r) => r.correlationId),
            rows.map((r) => (r.details === null ? null : JSON.stringify(r.details))),
          ],
        );
        return rows.map(() => undefined);
      },
      { retrySingly: true },
    );
  }

  async record(em: EntityManager, actor: AuditActor | null, record: AuditRecord): Promise<void> {
    // A manager without a query runner of its own is the data source's: no transaction to join, so the event joins the
    // shared insert of this turn's reads.
    if (em.queryRunner === undefined) {
      return this.batcher.submit({
        actorUserId: actor?.userId ?? null,
        actorOrganisationId: actor?.organisationId ?? null,
        actorRole: actor?.role ?? null,
        action: record.action,
        recordType: record.recordType,
        recordId: record.recordId ?? null,
        purpose: record.purpose ?? null,
        correlationId: actor?.correlationId ?? null,
        details: record.details ?? null,
      });
    }
    await this.recordMany(em, actor, [record]);
  }

  /**
   * Several events by one actor, in this order, with one INSERT in the caller's transaction (or on its own when there is
   * none). Plain SQL: nearly every request and job writes here, and building the statement through the ORM cost more
   * than running it.
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
