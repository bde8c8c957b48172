/**
 * The organisation directory as other modules read it, in the caller's transaction: the organisations module answers
 * for its table, so no other module imports its entity.
 */
import { EntityManager, In } from 'typeorm';
import { OrganisationEntity } from './organisation.entity';

export type OrganisationRecord = Pick<
  OrganisationEntity,
  'id' | 'name' | 'country' | 'type' | 'node' | 'partnerId' | 'remoteOrganisationId' | 'createdAt' | 'updatedAt'
>;

/** The organisation matching every field given; null when there is none. */
export function findOrganisation(
  em: EntityManager,
  where: { id?: string; node?: OrganisationRecord['node']; partnerId?: string; remoteOrganisationId?: string },
): Promise<OrganisationRecord | null> {
  return em.findOne(OrganisationEntity, { where });
}

/** Which of these ids are organisations known to this deployment. */
export async function existingOrganisationIds(em: EntityManager, ids: readonly string[]): Promise<Set<string>> {
  const found = await em.find(OrganisationEntity, { select: { id: true }, where: { id: In([...ids]) } });
  return new Set(found.map((o) => o.id));
}
