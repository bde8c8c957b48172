import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Actor } from '../common/auth/actor';
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

/**
 * Writes audit events. One insert per event, inside the caller's transaction where there is one. The event is sealed
 * into the hash chain by the worker within about a second (audit-sealer.ts), so an audited request costs one insert.
 */
@Injectable()
export class AuditService {
  async record(em: EntityManager, actor: AuditActor | null, record: AuditRecord): Promise<void> {
    await em.insert(AuditEventEntity, {
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
}
