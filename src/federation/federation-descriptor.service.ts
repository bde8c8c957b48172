/**
 * Partner exchange in one step: this deployment's descriptor (node id, name, base URL, JWKS, organisations) for the
 * partner's operator, and the import of a partner's descriptor, which registers the partner and its organisations in
 * one transaction. Two calls per side: export here, import there.
 *
 * Importing a partner that is already registered updates it: its base URL, its keys and any organisation not yet
 * registered (organisations registered before are left as they are; none is removed). Keys that share at least one
 * key id with those held are a rotation and are taken; keys that share none are a new identity and are refused
 * (409 FEDERATION_PARTNER_KEYS_CHANGED) unless the admin confirms with `confirmKeyChange: true`. A retired partner
 * stays retired (409). Every change is audited with key ids and counts only. An organisation whose name is taken here
 * in its country is registered as "<name> (<partner name>)" and listed in `organisationsRenamed`: the import never
 * fails, half-written or whole, because a shelter on another deployment has the name of one here.
 */
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { Actor } from '../common/auth/actor';
import { DomainError } from '../common/errors/domain-error';
import { assertOutboundUrlShape } from '../common/net/outbound-url';
import { AppConfig } from '../config/app-config';
import { isUniqueViolation } from '../database/errors';
import { OrganisationResponseDto } from '../organisations/dto/organisation.dto';
import { localOrganisations, remoteOrganisationsOf } from '../organisations/organisation-reads';
import { OrganisationsService } from '../organisations/organisations.service';
import {
  DESCRIPTOR_FORMAT,
  ImportPartnerDto,
  MAX_DESCRIPTOR_ORGANISATIONS,
  PartnerDescriptorDto,
  PartnerImportResultDto,
  RenamedOrganisationDto,
} from './dto/descriptor.dto';
import { PartnerResponseDto } from './dto/partner.dto';
import { FederationPartnerEntity, PartnerJwk } from './federation-partner.entity';
import { nodeJwks, parsePartnerJwks } from './jwks';

const kids = (keys: PartnerJwk[]) => keys.map((k) => k.kid);

@Injectable()
export class FederationDescriptorService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly audit: AuditService,
    private readonly organisations: OrganisationsService,
  ) {}

  async export(actor: Actor): Promise<PartnerDescriptorDto> {
    const baseUrl = this.config.federation.publicBaseUrl;
    if (!baseUrl) {
      throw new DomainError('FEDERATION_BASE_URL_NOT_SET', 'Set FEDERATION_PUBLIC_BASE_URL: the address partners call this deployment at');
    }
    return this.dataSource.transaction(async (em) => {
      const orgs = await localOrganisations(em, MAX_DESCRIPTOR_ORGANISATIONS);
      const jwks = await nodeJwks(this.config.node);
      await this.audit.record(em, actor, {
        action: 'federation.descriptor_export',
        recordType: 'federation_node',
        recordId: this.config.federation.nodeId,
        details: { keyIds: kids(jwks.keys), organisations: orgs.length },
      });
      return {
        format: DESCRIPTOR_FORMAT,
        nodeId: this.config.federation.nodeId,
        name: this.config.federation.nodeId,
        baseUrl,
        jwks,
        organisations: orgs.map((o) => ({ id: o.id, name: o.name, country: o.country, type: o.type })),
      };
    });
  }

  async import(actor: Actor, dto: ImportPartnerDto): Promise<PartnerImportResultDto> {
    const d = dto.descriptor;
    if (d.nodeId === this.config.federation.nodeId) {
      throw new DomainError('FEDERATION_PARTNER_IS_SELF', 'This is the node id of this deployment');
    }
    const baseUrl = assertOutboundUrlShape(d.baseUrl, this.config.federation.outbound).href.replace(/\/+$/, '');
    const jwks = parsePartnerJwks(d.jwks);
    const ids = new Set<string>();
    d.organisations.forEach((o, index) => {
      if (ids.has(o.id)) {
        throw new DomainError('VALIDATION_FAILED', 'Request validation failed', [
          { field: `descriptor.organisations.${index}.id`, errors: ['repeats another organisation id'] },
        ]);
      }
      ids.add(o.id);
    });
    try {
      return await this.dataSource.transaction(async (em) => {
        const existing = await em.findOne(FederationPartnerEntity, { where: { nodeId: d.nodeId }, lock: { mode: 'pessimistic_write' } });
        const { partner, created, keysChanged } = existing
          ? await this.update(em, actor, existing, baseUrl, jwks, dto.confirmKeyChange === true)
          : { partner: await this.create(em, actor, d, baseUrl, jwks, dto.acceptanceDeadlineHours), created: true, keysChanged: false };
        const known = new Set((await remoteOrganisationsOf(em, partner.id)).map((o) => o.remoteOrganisationId));
        const added: OrganisationResponseDto[] = [];
        const renamed: RenamedOrganisationDto[] = [];
        for (const o of d.organisations) {
          if (known.has(o.id)) continue;
          // A name taken here (a local organisation, or another partner's) is registered with the partner's name after it.
          const org = await this.organisations.createRemote(
            em,
            actor,
            { partnerId: partner.id, remoteOrganisationId: o.id, name: o.name, country: o.country, type: o.type },
            { renameIfTaken: partner.name },
          );
          added.push(org);
          if (org.name !== o.name.trim())
            renamed.push({ id: org.id, remoteOrganisationId: o.id, nameInDescriptor: o.name, name: org.name });
        }
        return {
          partner: PartnerResponseDto.from((await em.findOne(FederationPartnerEntity, { where: { id: partner.id } }))!),
          created,
          keysChanged,
          organisationsAdded: added,
          organisationsAlreadyRegistered: d.organisations.length - added.length,
          organisationsRenamed: renamed,
        };
      });
    } catch (err) {
      // Two imports of the same new partner at once: the second finds the first's row when it is sent again.
      if (isUniqueViolation(err, 'uq_federation_partners_node_id')) {
        throw new DomainError('FEDERATION_PARTNER_EXISTS', 'A partner with this node id is already registered');
      }
      throw err;
    }
  }

  private async create(
    em: EntityManager,
    actor: Actor,
    d: PartnerDescriptorDto,
    baseUrl: string,
    jwks: { keys: PartnerJwk[] },
    hours: number | undefined,
  ): Promise<FederationPartnerEntity> {
    const saved = await em.save(
      em.create(FederationPartnerEntity, {
        nodeId: d.nodeId,
        name: d.name,
        baseUrl,
        jwks,
        acceptanceDeadlineHours: hours ?? this.config.referrals.acceptanceHours,
        status: 'active',
      }),
    );
    await this.audit.record(em, actor, {
      action: 'federation_partner.create',
      recordType: 'federation_partner',
      recordId: saved.id,
      details: { keyIds: kids(jwks.keys), keysFetched: false, descriptor: true, organisations: d.organisations.length },
    });
    return saved;
  }

  private async update(
    em: EntityManager,
    actor: Actor,
    partner: FederationPartnerEntity,
    baseUrl: string,
    jwks: { keys: PartnerJwk[] },
    confirmKeyChange: boolean,
  ): Promise<{ partner: FederationPartnerEntity; created: false; keysChanged: boolean }> {
    if (partner.status === 'retired') {
      throw new DomainError('FEDERATION_PARTNER_RETIRED', 'This partner was retired for good and is not activated again', {
        status: partner.status,
      });
    }
    const before = kids(partner.jwks.keys);
    const after = kids(jwks.keys);
    const sameKeys = JSON.stringify(canonicalKeys(partner.jwks.keys)) === JSON.stringify(canonicalKeys(jwks.keys));
    const overlap = after.some((kid) => before.includes(kid));
    if (!sameKeys && !overlap && !confirmKeyChange) {
      throw new DomainError('FEDERATION_PARTNER_KEYS_CHANGED', 'The descriptor shares no key with the keys held for this partner', {
        keyIdsHeld: before,
        keyIdsSent: after,
      });
    }
    if (!sameKeys || baseUrl !== partner.baseUrl) {
      await em.update(FederationPartnerEntity, { id: partner.id }, { jwks, baseUrl });
      await this.audit.record(em, actor, {
        action: 'federation_partner.import_update',
        recordType: 'federation_partner',
        recordId: partner.id,
        details: { keyIdsBefore: before, keyIds: after, baseUrlChanged: baseUrl !== partner.baseUrl, keysReplaced: !overlap },
      });
    }
    return { partner, created: false, keysChanged: !sameKeys };
  }
}

function canonicalKeys(keys: PartnerJwk[]): string[] {
  return keys.map((k) => `${k.kid}|${k.x}|${k.exp ?? ''}`).sort();
}
