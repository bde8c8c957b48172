import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { Actor } from '../common/auth/actor';
import { DomainError, notFound } from '../common/errors/domain-error';
import { Page, pageWindow, PageQueryDto } from '../common/http/pagination';
import { isUniqueViolation } from '../database/errors';
import { AppConfig } from '../config/app-config';
import { OrganisationType } from '../common/vocabulary';
import { CreateOrganisationDto, OrganisationResponseDto } from './dto/organisation.dto';
import { OrganisationEntity } from './organisation.entity';
import { nameKey } from './organisation-reads';

/** The longest organisation name (the column's length). */
const NAME_MAX = 200;
/** How many suffixed names an import tries before it gives up (a 409). */
const MAX_RENAME_TRIES = 20;

/**
 * Organisations are the directory every user needs (referral targets, the owner of a case): any signed-in user may
 * read them; only a platform admin creates them.
 */
@Injectable()
export class OrganisationsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly audit: AuditService,
  ) {}

  async create(actor: Actor, dto: CreateOrganisationDto): Promise<OrganisationResponseDto> {
    try {
      return await this.dataSource.transaction(async (em) => {
        const saved = await em.save(
          em.create(OrganisationEntity, {
            name: dto.name.trim(),
            nameKey: nameKey(dto.name),
            country: dto.country,
            type: dto.type,
            node: 'local',
          }),
        );
        await this.audit.record(em, actor, {
          action: 'organisation.create',
          recordType: 'organisation',
          recordId: saved.id,
          details: { country: saved.country, type: saved.type },
        });
        return OrganisationResponseDto.from(saved);
      });
    } catch (err) {
      if (isUniqueViolation(err))
        throw new DomainError('ORGANISATION_NAME_TAKEN', 'An organisation with this name already exists in this country');
      throw err;
    }
  }

  /**
   * A partner deployment's organisation, registered by a platform admin as a referral target. Runs in the caller's
   * transaction (the partner registry's), with its audit event.
   */
  async createRemote(
    em: EntityManager,
    actor: Actor,
    org: { partnerId: string; remoteOrganisationId: string; name: string; country: string; type: OrganisationType },
    /**
     * renameIfTaken: when the name is taken in that country (by a local organisation or one of another partner), register
     * it as "<name> (<renameIfTaken>)" instead of refusing — and "<name> (<renameIfTaken> 2)", … if that is taken too.
     * Checked before the insert, so a refusal never aborts the caller's transaction half-way.
     */
    opts: { renameIfTaken?: string } = {},
  ): Promise<OrganisationResponseDto> {
    const name = opts.renameIfTaken ? await this.freeName(em, org.name.trim(), org.country, opts.renameIfTaken) : org.name.trim();
    let saved: OrganisationEntity;
    try {
      saved = await em.save(
        em.create(OrganisationEntity, {
          name,
          nameKey: nameKey(name),
          country: org.country,
          type: org.type,
          node: 'remote',
          partnerId: org.partnerId,
          remoteOrganisationId: org.remoteOrganisationId,
        }),
      );
    } catch (err) {
      if (isUniqueViolation(err, 'uq_organisations_partner_remote_id')) {
        throw new DomainError('FEDERATION_REMOTE_ORGANISATION_EXISTS', 'This organisation of the partner is already registered');
      }
      if (isUniqueViolation(err))
        throw new DomainError('ORGANISATION_NAME_TAKEN', 'An organisation with this name already exists in this country');
      throw err;
    }
    await this.audit.record(em, actor, {
      action: 'organisation.register_remote',
      recordType: 'organisation',
      recordId: saved.id,
      details: { country: saved.country, type: saved.type, partnerId: org.partnerId },
    });
    return OrganisationResponseDto.from(saved);
  }

  /** The name itself when free in the country, else the first free "<name> (<suffix>)", "<name> (<suffix> 2)", …. */
  private async freeName(em: EntityManager, name: string, country: string, suffix: string): Promise<string> {
    const taken = async (candidate: string) => em.exists(OrganisationEntity, { where: { country, nameKey: nameKey(candidate) } });
    if (!(await taken(name))) return name;
    for (let n = 1; n <= MAX_RENAME_TRIES; n++) {
      const tail = ` (${suffix}${n === 1 ? '' : ` ${n}`})`;
      const candidate = `${name.slice(0, NAME_MAX - tail.length).trimEnd()}${tail}`;
      if (!(await taken(candidate))) return candidate;
    }
    throw new DomainError('ORGANISATION_NAME_TAKEN', 'An organisation with this name already exists in this country');
  }

  async list(_actor: Actor, query: PageQueryDto): Promise<Page<OrganisationResponseDto>> {
    const { page, limit, skip } = pageWindow(query, this.config.http.listLimitMax);
    const [rows, total] = await this.dataSource
      .getRepository(OrganisationEntity)
      .findAndCount({ order: { country: 'ASC', name: 'ASC', id: 'ASC' }, skip, take: limit });
    return { items: rows.map((row) => OrganisationResponseDto.from(row)), total, page, limit };
  }

  async get(_actor: Actor, id: string): Promise<OrganisationResponseDto> {
    const row = await this.dataSource.getRepository(OrganisationEntity).findOne({ where: { id } });
    if (!row) throw notFound('Organisation');
    return OrganisationResponseDto.from(row);
  }
}
