/** Every hand-written statement on alerts (the alerts module's table). */
import { entityInsert, statement } from '../database/sql';
import { AlertEntity } from './alert.entity';

/** One alert; nothing when an open alert with the same organisation and dedupe key exists (uq_alerts_open_dedupe). */
export const insertAlertUnlessOpen = entityInsert<AlertEntity, { id: string }>('alerts.insertUnlessOpen', AlertEntity, {
  tail: 'ON CONFLICT DO NOTHING RETURNING id',
  databaseFills: ['raisedAt'],
});

/** Resolves by the system the open alerts about a record ($4: only of this type, or null for every type). */
export const resolveOpenAlertsForRecord = statement<never, [string, string, string, string | null]>(
  'alerts.resolveOpenForRecord',
  () => `UPDATE alerts SET status = 'resolved', resolved_at = now(), resolved_by_user_id = NULL, resolution_code = $3
          WHERE record_type = $1 AND record_id = $2 AND status = 'open' AND ($4::alert_type IS NULL OR type = $4::alert_type)`,
);
