/**
 * The organisation directory as other modules read it (and, for the bootstrap and the demo seed, add a local
 * organisation to it), in the caller's transaction: the organisations module answers for its table, so no other
 * module imports its entity.
 */
import { EntityManager, In } from 'typeorm';
import { OrganisationType } from '../common/vocabulary';
import { OrganisationEntity } from './organisation.entity';

/** The key that makes an organisation's name unique in its country: trimmed, spaces folded, lower case. */
export const nameKey = (name: string): string => name.trim().replace(/\s+/g, ' ').toLowerCase();

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

/** This deployment's own organisations, by country and name, at most `limit` (the partner descriptor lists them). */
export function localOrganisations(em: EntityManager, limit: number): Promise<OrganisationRecord[]> {
  return em.find(OrganisationEntity, { where: { node: 'local' }, order: { country: 'ASC', name: 'ASC', id: 'ASC' }, take: limit });
}

/** A partner's organisations registered here, by their id on the partner's deployment. */
export function remoteOrganisationsOf(em: EntityManager, partnerId: string): Promise<OrganisationRecord[]> {
  return em.find(OrganisationEntity, { where: { node: 'remote', partnerId } });
}

/** Which of these ids are organisations known to this deployment. */
export async function existingOrganisationIds(em: EntityManager, ids: readonly string[]): Promise<Set<string>> {
  const found = await em.find(OrganisationEntity, { select: { id: true }, where: { id: In([...ids]) } });
  return new Set(found.map((o) => o.id));
}

/** This deployment's organisation of that name in that country (names compare as nameKey does); null when there is none. */
export function findLocalOrganisationByName(em: EntityManager, country: string, name: string): Promise<OrganisationRecord | null> {
  return em.findOne(OrganisationEntity, { where: { country, nameKey: nameKey(name), node: 'local' } });
}

/**
 * Adds an organisation of this deployment without an audit event of its own: for the bootstrap and the demo seed, which
 * audit what they create around it. The API's route is OrganisationsService.create.
 */
export function insertLocalOrganisation(
  em: EntityManager,
  org: { name: string; country: string; type: OrganisationType },
): Promise<OrganisationRecord> {
  return em.save(
    em.create(OrganisationEntity, {
      name: org.name.trim(),
      nameKey: nameKey(org.name),
      country: org.country,
      type: org.type,
      node: 'local',
    }),
  );
}
