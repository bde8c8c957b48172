/** Jobs of the `audit` queue. Both are idempotent and carry no data (an outbox-born one carries its outbox id). */
export type AuditJobName = 'audit.seal' | 'audit.checkpoint';

export const AUDIT_JOBS = { seal: 'audit.seal', checkpoint: 'audit.checkpoint' } as const satisfies Record<string, AuditJobName>;

export interface AuditJobData {
  outboxId?: string;
  correlationId?: string | null;
}
