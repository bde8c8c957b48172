/**
 * The person's identity as sealed fields of the case row: which column holds each field, and sealing or opening them
 * with the case's key (CaseKeys). The field name is the ciphertext's associated data, so a ciphertext moved to another
 * field or case fails to open.
 */
import { Logger } from '@nestjs/common';
import { IDENTITY_FIELDS, IdentityField } from '../common/vocabulary';
import { CaseKey } from './case-keys.service';
import { CaseEntity } from './case.entity';
import { IdentityDocumentDto, PersonInputDto } from './dto/case-input.dto';
import { IdentityDto } from './dto/case-response.dto';

export type CaseChanges = Partial<CaseEntity>;

/** The entity column that holds each identity field's ciphertext. */
export const IDENTITY_COLUMN: Record<IdentityField, keyof CaseEntity> = {
  givenName: 'identityGivenName',
  familyName: 'identityFamilyName',
  dateOfBirth: 'identityDateOfBirth',
  identityDocuments: 'identityDocuments',
  phone: 'identityPhone',
  email: 'identityEmail',
  currentLocation: 'identityCurrentLocation',
};

const logger = new Logger('CaseIdentity');

export function documents(list: IdentityDocumentDto[]): IdentityDocumentDto[] {
  return list.map((d) => ({ type: d.type, number: d.number, country: d.country }));
}

/** The ciphertext columns for the identity fields the input names (null clears one; an absent field is left alone). */
export function sealIdentity(key: CaseKey, person: PersonInputDto): CaseChanges {
  const out: Record<string, Buffer | null> = {};
  for (const field of IDENTITY_FIELDS) {
    const value = person[field];
    if (value === undefined) continue;
    const empty = value === null || (Array.isArray(value) && value.length === 0);
    out[IDENTITY_COLUMN[field]] = empty
      ? null
      : key.seal(field, field === 'identityDocuments' ? documents(value as IdentityDocumentDto[]) : value);
  }
  return out;
}

/** Every identity column cleared (crypto-shredding). */
export function clearedIdentity(): CaseChanges {
  return Object.fromEntries(IDENTITY_FIELDS.map((f) => [IDENTITY_COLUMN[f], null]));
}

/** One sealed field of the row, opened; null when it holds nothing. */
export function openIdentityField<T>(key: CaseKey, record: CaseEntity, field: IdentityField): T | null {
  const sealed = record[IDENTITY_COLUMN[field]] as Buffer | null;
  if (!sealed) return null;
  try {
    return key.open<T>(field, sealed);
  } catch (err) {
    // Tampering or a ciphertext copied from elsewhere: worth an operator's attention. Ids only.
    logger.warn({ caseId: record.id, field }, 'identity ciphertext failed authentication');
    throw err;
  }
}

/** The whole identity of a row read with its ciphertext. */
export function openIdentity(key: CaseKey, record: CaseEntity): IdentityDto {
  const read = <T>(field: IdentityField): T | null => openIdentityField<T>(key, record, field);
  return {
    givenName: read<string>('givenName'),
    familyName: read<string>('familyName'),
    dateOfBirth: read<string>('dateOfBirth'),
    identityDocuments: read<IdentityDocumentDto[]>('identityDocuments') ?? [],
    phone: read<string>('phone'),
    email: read<string>('email'),
    currentLocation: read<string>('currentLocation'),
  };
}

/** The identity as the caller sent it (a create echoes it without reading anything back). */
export function identityFromInput(person: PersonInputDto): IdentityDto {
  return {
    givenName: person.givenName ?? null,
    familyName: person.familyName ?? null,
    dateOfBirth: person.dateOfBirth ?? null,
    identityDocuments: documents(person.identityDocuments ?? []),
    phone: person.phone ?? null,
    email: person.email ?? null,
    currentLocation: person.currentLocation ?? null,
  };
}
