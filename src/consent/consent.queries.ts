/** Every hand-written statement of the consent module (consents, consent_provisions). The rest goes through the ORM. */
import type { ConsentPurpose, ConsentStatus, DataCategory, ProvisionEffect } from '../common/vocabulary/consent';
import { columnsOf, statement, tableOf } from '../database/sql';
import { ConsentProvisionEntity } from './consent-provision.entity';
import { ConsentEntity } from './consent.entity';

/** One row of caseConsents: a consent and one of its provisions (all null when it has none). */
export interface ProvisionRow {
  id: string;
  status: ConsentStatus;
  withdrawn_at: Date | null;
  effect: ProvisionEffect | null;
  recipient_organisation_id: string | null;
  recipient_country: string | null;
  purposes: ConsentPurpose[];
  data_categories: DataCategory[];
  valid_from: Date;
  valid_until: Date;
}

/**
 * All consents of a case with their provisions, oldest first, provisions in their order; only what the evaluator reads.
 * Arrays of enum values as text[] (pg parses those, not arrays of a custom type).
 */
export const caseConsents = statement<ProvisionRow, [string]>('consent.caseConsents', (ds) => {
  const [id, status, withdrawnAt, caseId, createdAt] = columnsOf(ds, ConsentEntity, ['id', 'status', 'withdrawnAt', 'caseId', 'createdAt']);
  const [consentId, effect, recipientOrganisationId, recipientCountry, purposes, dataCategories, validFrom, validUntil, position] =
    columnsOf(ds, ConsentProvisionEntity, [
      'consentId',
      'effect',
      'recipientOrganisationId',
      'recipientCountry',
      'purposes',
      'dataCategories',
      'validFrom',
      'validUntil',
      'position',
    ]);
  return `SELECT c.${id} AS id, c.${status} AS status, c.${withdrawnAt} AS withdrawn_at, p.${effect} AS effect,
                 p.${recipientOrganisationId} AS recipient_organisation_id, p.${recipientCountry} AS recipient_country,
                 p.${purposes}::text[] AS purposes, p.${dataCategories}::text[] AS data_categories,
                 p.${validFrom} AS valid_from, p.${validUntil} AS valid_until
            FROM ${tableOf(ds, ConsentEntity)} c LEFT JOIN ${tableOf(ds, ConsentProvisionEntity)} p ON p.${consentId} = c.${id}
           WHERE c.${caseId} = $1
           ORDER BY c.${createdAt}, c.${id}, p.${position}`;
});
