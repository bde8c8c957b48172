/**
 * The one list of the columns an audit event is written with, and the INSERT fragment another module puts inside its
 * own statement (cases' create) when the audit row must commit with it: the audit module's API for its table in SQL.
 */
import { DataSource } from 'typeorm';
import { AuditEventEntity } from './audit-event.entity';

/** The columns an audit event is written with (the rest are the id, the time, and the seal set by the sealer). */
export const AUDIT_EVENT_WRITTEN = [
  'actorUserId',
  'actorOrganisationId',
  'actorRole',
  'action',
  'recordType',
  'recordId',
  'purpose',
  'correlationId',
  'details',
] as const satisfies readonly (keyof AuditEventEntity)[];
export type AuditEventColumn = (typeof AUDIT_EVENT_WRITTEN)[number];

/** Column names and their PostgreSQL types, from the entity metadata. */
export function writtenColumns(ds: DataSource): { name: string; type: string }[] {
  const meta = ds.getMetadata(AuditEventEntity);
  return AUDIT_EVENT_WRITTEN.map((p) => {
    const column = meta.findColumnWithPropertyName(p)!;
    return { name: `"${column.databaseName}"`, type: ds.driver.normalizeType(column) };
  });
}

/**
 * `INSERT INTO audit_events (…) VALUES (…)` for one event inside another module's statement (a CTE, say): `values`
 * gives an SQL expression (usually a parameter) for every written column.
 */
export function auditEventInsertSql(ds: DataSource, values: Record<AuditEventColumn, string>): string {
  const columns = writtenColumns(ds);
  return `INSERT INTO "${ds.getMetadata(AuditEventEntity).tableName}" (${columns.map((c) => c.name).join(', ')})
          VALUES (${AUDIT_EVENT_WRITTEN.map((p) => values[p]).join(', ')})`;
}
