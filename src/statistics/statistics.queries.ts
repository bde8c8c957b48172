/**
 * Hand-written statements on the statistics module's own tables (the fills of the facts tables are declared in
 * catalogue-fills.ts). The export's server-side cursor (DECLARE, FETCH, CLOSE) runs on its query runner: PostgreSQL
 * cannot PREPARE a DECLARE, so its SELECT is spelled in the export service beside this file's EXPORT_FACT_COLUMNS.
 */
import { statement } from '../database/sql';

/** The owner of each case, from the facts a trigger keeps in step with the cases. */
export const ownersOfCases = statement<{ case_id: string; o: string }, [string[]]>(
  'statistics.ownersOfCases',
  () => `SELECT case_id, owner_organisation_id AS o FROM statistics_case_facts WHERE case_id = ANY($1::uuid[])`,
);

/** The export's columns of a fact row: the quasi-identifiers the k-anonymity plan generalises. */
export const EXPORT_FACT_COLUMNS = `extract(year FROM registered_at AT TIME ZONE 'UTC')::int AS year, gender, age_band, minor,
  citizenship[1] AS citizenship, country_of_exploitation`;

/** The histogram of the detailed quasi-identifiers of the facts registered in [$1, $2): what the plan needs. */
export const exportHistogram = statement<Record<string, unknown>, [Date, Date]>(
  'statistics.exportHistogram',
  () => `SELECT ${EXPORT_FACT_COLUMNS}, count(*)::int AS n FROM statistics_case_facts
          WHERE registered_at >= $1 AND registered_at < $2 GROUP BY 1, 2, 3, 4, 5, 6`,
);

export const insertExportChunk = statement<never, [string, number, string]>(
  'statistics.insertExportChunk',
  () => `INSERT INTO statistics_export_chunks (period, seq, body) VALUES ($1, $2, $3)`,
);

export const insertExport = statement<never, [string, number, number, string]>(
  'statistics.insertExport',
  () => `INSERT INTO statistics_exports (period, rows, chunks, sha256) VALUES ($1, $2, $3, $4)`,
);

/** Chunks [$2, $3) of a frozen export, in order. */
export const exportChunks = statement<{ body: string }, [string, number, number]>(
  'statistics.exportChunks',
  () => `SELECT body FROM statistics_export_chunks WHERE period = $1 AND seq >= $2 AND seq < $3 ORDER BY seq`,
);
