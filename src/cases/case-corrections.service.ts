import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Actor } from '../common/auth/actor';
import { IDENTITY_FIELDS, IdentityField } from '../common/vocabulary';
import { CaseCorrectionEntity } from './case-correction.entity';
import { IDENTITY_COLUMN, openIdentityField } from './case-identity';
import { CaseKey, CaseKeys } from './case-keys.service';
import { CaseEntity } from './case.entity';
import { CaseCorrectionDto } from './dto/case-response.dto';

const oldValuesField = (correctionId: string): string => `caseCorrection:${correctionId}`;

/** `person.givenName` → `givenName` when it names an identity field, else null. */
export function identityFieldOf(field: string): IdentityField | null {
  const name = field.startsWith('person.') ? field.slice('person.'.length) : null;
  return name && (IDENTITY_FIELDS as readonly string[]).includes(name) ? (name as IdentityField) : null;
}

/** The stored value of a field a PATCH names (`person.gender`, `protection.riskLevel`, `status`), identity excepted. */
function storedValue(record: CaseEntity, field: string): unknown {
  const column = field.includes('.') ? field.slice(field.indexOf('.') + 1) : field;
  const value = (record as unknown as Record<string, unknown>)[column];
  return value instanceof Date ? value.toISOString() : (value ?? null);
}

/**
 * The history of a case's corrections (the person's right to rectification): every PATCH keeps the values it replaced,
 * sealed under the case's key, in the update's own transaction. The owning organisation reads them back in the
 * person's access report; nobody else reads this table.
 */
@Injectable()
export class CaseCorrections {
  constructor(private readonly keys: CaseKeys) {}

  /**
   * The values the change replaces, sealed as one JSON value bound to the correction's id, with the key the update
   * holds open. Identity values are opened from their own ciphertext inside the server and sealed again with the rest.
   */
  async sealOldValues(em: EntityManager, key: CaseKey, record: CaseEntity, correctionId: string, fields: string[]): Promise<Buffer> {
    const identity = fields.map(identityFieldOf).filter((f): f is IdentityField => f !== null);
    let stored: CaseEntity | null = null;
    if (identity.length > 0) {
      const select = { id: true, ...Object.fromEntries(identity.map((f) => [IDENTITY_COLUMN[f], true])) };
      stored = await em.findOne(CaseEntity, { select, where: { id: record.id } });
    }
    const old: Record<string, unknown> = {};
    for (const field of fields) {
      const idField = identityFieldOf(field);
      old[field] = idField ? (stored ? openIdentityField(key, stored, idField) : null) : storedValue(record, field);
    }
    return key.seal(oldValuesField(correctionId), old);
  }

  async record(
    em: EntityManager,
    actor: Actor,
    c: { id: string; caseId: string; versionBefore: number; fields: string[]; oldValuesCiphertext: Buffer | null },
  ): Promise<void> {
    await em.insert(CaseCorrectionEntity, {
      id: c.id,
      caseId: c.caseId,
      versionBefore: c.versionBefore,
      versionAfter: c.versionBefore + 1,
      fields: c.fields,
      oldValuesCiphertext: c.oldValuesCiphertext,
      correctedBy: actor.userId,
      correctedByRole: actor.role,
      organisationId: actor.organisationId,
    });
  }

  /** The names of the fields a correction of the case changed (never a value), or null for an unknown one. */
  async fieldsOf(em: EntityManager, caseId: string, correctionId: string): Promise<string[] | null> {
    const row = await em.findOne(CaseCorrectionEntity, { select: { id: true, fields: true }, where: { id: correctionId, caseId } });
    return row?.fields ?? null;
  }

  /**
   * Every correction of the case, newest first, old values opened (one key load). `identity: false` (a danger-flagged
   * identity withheld from the reader) leaves the old identity values out. The caller has checked access and audits.
   */
  async history(em: EntityManager, caseId: string, opts: { identity: boolean }): Promise<CaseCorrectionDto[]> {
    const rows = await em.find(CaseCorrectionEntity, { where: { caseId }, order: { correctedAt: 'DESC', versionAfter: 'DESC' } });
    if (rows.length === 0) return [];
    const open = (key: CaseKey | null) =>
      rows.map((r) => {
        const opened = key?.openOrNull<Record<string, unknown>>(oldValuesField(r.id), r.oldValuesCiphertext) ?? null;
        const oldValues = opened && !opts.identity ? withoutIdentity(opened) : opened;
        return correctionView(r, oldValues);
      });
    return (await this.keys.withCaseKey(em, caseId, open, { unavailable: 'null' })) ?? open(null);
  }
}

function withoutIdentity(values: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(values).filter(([field]) => identityFieldOf(field) === null));
}

function correctionView(row: CaseCorrectionEntity, oldValues: Record<string, unknown> | null): CaseCorrectionDto {
  return {
    id: row.id,
    versionBefore: row.versionBefore,
    versionAfter: row.versionAfter,
    fields: row.fields,
    correctedAt: row.correctedAt.toISOString(),
    correctedBy: row.correctedBy,
    correctedByRole: row.correctedByRole,
    oldValues,
  };
}
