import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { Actor } from '../common/auth/actor';
import { DomainError } from '../common/errors/domain-error';
import { Page, pageWindow } from '../common/http/pagination';
import { AppConfig } from '../config/app-config';
import { isUniqueViolation } from '../database/errors';
import { OrganisationResponseDto } from '../organisations/dto/organisation.dto';
import { OrganisationsService } from '../organisations/organisations.service';
import {
  CreatePartnerDto,
  ListPartnersQueryDto,
  PartnerCheckDto,
  PartnerResponseDto,
  RegisterRemoteOrganisationDto,
} from './dto/partner.dto';
import { CallOutcome, FederationClient } from './federation-client';
import { FederationPartnerEntity, PartnerJwk, PartnerStatus } from './federation-partner.entity';
import { FederationSigner } from './federation-signer';
import { KEYS_PATH, parsePartnerJwks } from './jwks';
import { assertOutboundUrlShape, assertSafeOutboundUrl } from '../common/net/outbound-url';

export { KEYS_PATH };
export const PING_PATH = '/federation/v1/ping';

const partnerNotFound = () => new DomainError('FEDERATION_PARTNER_NOT_FOUND', 'Partner not found');
const kids = (keys: PartnerJwk[]) => keys.map((k) => k.kid);

/**
 * The partner registry, kept by the platform admin: which deployments this one trusts, with which keys, at which
 * address, and which of their organisations are referral targets. Every change is audited.
 */
@Injectable()
export class FederationPartnersService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly audit: AuditService,
    private readonly organisations: OrganisationsService,
    private readonly client: FederationClient,
    private readonly signer: FederationSigner,
  ) {}

  async create(actor: Actor, dto: CreatePartnerDto): Promise<PartnerResponseDto> {
    if (dto.nodeId === this.config.federation.nodeId) {
      throw new DomainError('FEDERATION_PARTNER_IS_SELF', 'This is the node id of this deployment');
    }
    const baseUrl = assertOutboundUrlShape(dto.baseUrl, this.config.federation.outbound).href.replace(/\/+$/, '');
    try {
      await assertSafeOutboundUrl(baseUrl, this.config.federation.outbound, this.client.resolver);
    } catch (err) {
      // A name that does not resolve yet may be registered ahead of time; every call checks it again.
      if (!(err instanceof DomainError && err.code === 'FEDERATION_PARTNER_UNREACHABLE')) throw err;
    }
    const jwks = dto.jwks !== undefined ? parsePartnerJwks(dto.jwks) : await this.fetchJwks(baseUrl);
    try {
      return await this.dataSource.transaction(async (em) => {
        const saved = await em.save(
          em.create(FederationPartnerEntity, {
            nodeId: dto.nodeId,
            name: dto.name,
            baseUrl,
            jwks,
            acceptanceDeadlineHours: dto.acceptanceDeadlineHours ?? this.config.referrals.acceptanceHours,
            status: 'active',
          }),
        );
        await this.audit.record(em, actor, {
          action: 'federation_partner.create',
          recordType: 'federation_partner',
          recordId: saved.id,
          details: { keyIds: kids(jwks.keys), keysFetched: dto.jwks === undefined },
        });
        return PartnerResponseDto.from(saved);
      });
    } catch (err) {
      if (isUniqueViolation(err, 'uq_federation_partners_node_id')) {
        throw new DomainError('FEDERATION_PARTNER_EXISTS', 'A partner with this node id is already registered');
      }
      throw err;
    }
  }

  async list(_actor: Actor, query: ListPartnersQueryDto): Promise<Page<PartnerResponseDto>> {
    const { page, limit, skip } = pageWindow(query, this.config.http.listLimitMax);
    const [rows, total] = await this.dataSource
      .getRepository(FederationPartnerEntity)
      .findAndCount({ order: { name: 'ASC', id: 'ASC' }, skip, take: limit });
    return { items: rows.map((row) => PartnerResponseDto.from(row)), total, page, limit };
  }

  async get(_actor: Actor, id: string): Promise<PartnerResponseDto> {
    const row = await this.dataSource.getRepository(FederationPartnerEntity).findOne({ where: { id } });
    if (!row) throw partnerNotFound();
    return PartnerResponseDto.from(row);
  }

  async registerOrganisation(actor: Actor, partnerId: string, dto: RegisterRemoteOrganisationDto): Promise<OrganisationResponseDto> {
    return this.dataSource.transaction(async (em) => {
      // The row lock keeps a partner from being changed while its organisations are added.
      await this.findForUpdate(em, partnerId);
      return this.organisations.createRemote(em, actor, { partnerId, ...dto });
    });
  }

  /**
   * Suspending a partner refuses its packets at once and sends it nothing but recalls (the operator's answer to a
   * leaked key); activating undoes it. Retiring is for good: a retired partner is never activated again.
   */
  async setStatus(actor: Actor, id: string, status: PartnerStatus): Promise<PartnerResponseDto> {
    return this.dataSource.transaction(async (em) => {
      const partner = await this.findForUpdate(em, id);
      if (partner.status === 'retired' && status !== 'retired') {
        throw new DomainError('FEDERATION_PARTNER_RETIRED', 'This partner was retired for good and is not activated again', {
          status: partner.status,
        });
      }
      if (partner.status !== status) {
        await em.update(FederationPartnerEntity, { id }, { status });
        await this.audit.record(em, actor, {
          action: `federation_partner.${status === 'suspended' ? 'suspend' : status === 'retired' ? 'retire' : 'activate'}`,
          recordType: 'federation_partner',
          recordId: id,
        });
      }
      return PartnerResponseDto.from((await em.findOne(FederationPartnerEntity, { where: { id } }))!);
    });
  }

  /** Fetches the partner's keys again from its base URL (after it rotated its key). */
  async refreshKeys(actor: Actor, id: string): Promise<PartnerResponseDto> {
    const current = await this.dataSource.getRepository(FederationPartnerEntity).findOne({ where: { id } });
    if (!current) throw partnerNotFound();
    const jwks = await this.fetchJwks(current.baseUrl);
    return this.dataSource.transaction(async (em) => {
      await this.findForUpdate(em, id);
      await em.update(FederationPartnerEntity, { id }, { jwks });
      await this.audit.record(em, actor, {
        action: 'federation_partner.refresh_keys',
        recordType: 'federation_partner',
        recordId: id,
        details: { keyIdsBefore: kids(current.jwks.keys), keyIds: kids(jwks.keys) },
      });
      return PartnerResponseDto.from((await em.findOne(FederationPartnerEntity, { where: { id } }))!);
    });
  }

  /** Sends the partner a signed ping: proves the address, this node's registration there and both keys in one call. */
  async check(actor: Actor, id: string): Promise<PartnerCheckDto> {
    const partner = await this.dataSource.getRepository(FederationPartnerEntity).findOne({ where: { id } });
    if (!partner) throw partnerNotFound();
    const { jws, claims } = await this.signer.sign('ping', partner.nodeId, {});
    const result = await this.client.post(partner, PING_PATH, jws);
    await this.dataSource.transaction((em) =>
      this.audit.record(em, actor, {
        action: 'federation_partner.check',
        recordType: 'federation_partner',
        recordId: id,
        details: { jti: claims.jti, outcome: result.outcome, status: result.status ?? null },
      }),
    );
    return describe(result);
  }

  private async findForUpdate(em: EntityManager, id: string): Promise<FederationPartnerEntity> {
    const partner = await em.findOne(FederationPartnerEntity, { where: { id }, lock: { mode: 'pessimistic_write' } });
    if (!partner) throw partnerNotFound();
    return partner;
  }

  private async fetchJwks(baseUrl: string): Promise<{ keys: PartnerJwk[] }> {
    const result = await this.client.get(baseUrl, KEYS_PATH);
    if (result.outcome !== 'delivered') {
      if (result.reason === 'unsafe_address') {
        throw new DomainError('FEDERATION_UNSAFE_ADDRESS', 'The partner address is in a range this deployment does not call');
      }
      throw new DomainError('FEDERATION_PARTNER_UNREACHABLE', "The partner's keys could not be fetched; send them as jwks", {
        reason: result.reason,
        status: result.status ?? null,
      });
    }
    return parsePartnerJwks(result.body);
  }
}

function describe(result: CallOutcome): PartnerCheckDto {
  if (result.outcome === 'delivered') return { outcome: 'delivered', status: result.status };
  return { outcome: result.outcome, status: result.status, reason: result.reason, errorCode: result.errorCode };
}
