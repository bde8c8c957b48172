/**
 * The checks on a consent's provisions that a field decorator cannot make alone (they relate two fields or the
 * clock), as { field, errors } entries in the same shape as the validation pipe's details. Pure.
 */
import { parseMoment } from './consent-dates';
import { ConsentProvisionDto } from './dto/consent.dto';

export interface FieldProblem extends Record<string, unknown> {
  field: string;
  errors: string[];
}

export interface NormalisedProvision {
  position: number;
  effect: ConsentProvisionDto['effect'];
  recipientOrganisationId: string | null;
  recipientCountry: string | null;
  purposes: ConsentProvisionDto['purposes'];
  dataCategories: ConsentProvisionDto['dataCategories'];
  validFrom: Date;
  validUntil: Date;
}

export function normaliseProvisions(
  provisions: readonly ConsentProvisionDto[],
  now: Date,
): { provisions: NormalisedProvision[]; problems: FieldProblem[] } {
  const problems: FieldProblem[] = [];
  const normalised = provisions.map((p, position) => {
    const field = (name: string) => `provisions.${position}.${name}`;
    const hasOrganisation = p.recipientOrganisationId !== undefined && p.recipientOrganisationId !== null;
    const hasCountry = p.recipientCountry !== undefined && p.recipientCountry !== null;
    if (hasOrganisation === hasCountry) {
      problems.push({ field: field('recipient'), errors: ['give exactly one of recipientOrganisationId and recipientCountry'] });
    }
    const validFrom = p.validFrom !== undefined ? parseMoment(p.validFrom, 'start')! : now;
    const validUntil = parseMoment(p.validUntil, 'end')!;
    if (validUntil.getTime() <= now.getTime()) problems.push({ field: field('validUntil'), errors: ['validUntil must be in the future'] });
    if (p.validFrom !== undefined && validFrom.getTime() > validUntil.getTime())
      problems.push({ field: field('validFrom'), errors: ['validFrom must not be later than validUntil'] });
    return {
      position,
      effect: p.effect,
      recipientOrganisationId: hasOrganisation ? p.recipientOrganisationId! : null,
      recipientCountry: hasCountry ? p.recipientCountry! : null,
      purposes: p.purposes,
      dataCategories: p.dataCategories,
      validFrom,
      validUntil,
    };
  });
  return { provisions: normalised, problems };
}
