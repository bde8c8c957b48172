/**
 * Jobs of the `audit` queue. Both are idempotent and carry no data. They repeat on their own (job schedulers); code that
 * wants a seal now rather than within the second asks through the outbox: `outbox.add(em, { type: 'audit.seal', payload: {} })`.
 */
export type AuditJobName = 'audit.seal' | 'audit.checkpoint';

export const AUDIT_JOBS = { seal: 'audit.seal', checkpoint: 'audit.checkpoint' } as const satisfies Record<string, AuditJobName>;

export interface AuditJobData {
  outboxId?: string;
  correlationId?: string | null;
}
