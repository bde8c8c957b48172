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

/** Writes audit events. One insert per event, inside the caller's transaction where there is one. */
@Injectable()
export class AuditService {
  async record(em: EntityManager, actor: Actor | null, record: AuditRecord): Promise<void> {
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
