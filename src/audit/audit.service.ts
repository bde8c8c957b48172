import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, In } from 'typeorm';
import { Actor } from '../common/auth/actor';
import { MicroBatcher } from '../common/batching/micro-batcher';
import { runSql } from '../database/sql';
import { AuditEventEntity } from './audit-event.entity';
import { AUDIT_EVENT_WRITTEN, AuditEventColumn } from './audit-event-sql';
import { insertAuditEvents } from './audit.queries';

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

type AuditRow = Pick<AuditEventEntity, AuditEventColumn>;

function row(actor: AuditActor | null, record: AuditRecord): AuditRow {
  return {
    actorUserId: actor?.userId ?? null,
    actorOrganisationId: actor?.organisationId ?? null,
    actorRole: actor?.role ?? null,
    action: record.action,
    recordType: record.recordType,
    recordId: record.recordId ?? null,
    purpose: record.purpose ?? null,
    correlationId: actor?.correlationId ?? null,
    details: record.details ?? null,
  };
}

/** The parameters of insertAuditEvents: one array per written column. */
function columnArrays(rows: AuditRow[]): unknown[][] {
  return AUDIT_EVENT_WRITTEN.map((p) =>
    rows.map((r) => (p === 'details' ? (r.details === null ? null : JSON.stringify(r.details)) : r[p])),
  );
}

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

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    this.batcher = new MicroBatcher<AuditRow, void>(
      async (rows) => {
        await runSql(dataSource.manager, insertAuditEvents, columnArrays(rows));
        return rows.map(() => undefined);
      },
      { retrySingly: true },
    );
  }

  async record(em: EntityManager, actor: AuditActor | null, record: AuditRecord): Promise<void> {
    // A manager without a query runner of its own is the data source's: no transaction to join, so the event joins the
    // shared insert of this turn's reads.
    if (em.queryRunner === undefined) return this.batcher.submit(row(actor, record));
    await this.recordMany(em, actor, [record]);
  }

  /**
   * Several events by one actor, in this order, with one INSERT in the caller's transaction (or on its own when there is
   * none). Plain SQL: nearly every request and job writes here, and building the statement through the ORM cost more
   * than running it.
   */
  async recordMany(em: EntityManager, actor: AuditActor | null, records: AuditRecord[]): Promise<void> {
    if (records.length === 0) return;
    await runSql(em, insertAuditEvents, columnArrays(records.map((r) => row(actor, r))));
  }

  /** The events with these actions about these records, oldest first (a case's recipients: reads, notices, acknowledgements). */
  async eventsAbout(recordType: string, recordIds: readonly string[], actions: readonly string[]): Promise<AuditEventEntity[]> {
    if (recordIds.length === 0 || actions.length === 0) return [];
    return this.dataSource.manager.find(AuditEventEntity, {
      where: { recordType, recordId: In([...recordIds]), action: In([...actions]) },
      order: { id: 'ASC' },
    });
  }

  /** The events about one record, newest first, a page of them, and how many there are. */
  async forRecord(recordType: string, recordId: string, skip: number, take: number): Promise<[AuditEventEntity[], number]> {
    return this.dataSource.manager.findAndCount(AuditEventEntity, { where: { recordType, recordId }, order: { id: 'DESC' }, skip, take });
  }
}
