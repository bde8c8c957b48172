import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { Actor } from '../common/auth/actor';
import { Page, pageWindow, PageQueryDto } from '../common/http/pagination';
import { AppConfig } from '../config/app-config';
import { CaseAccessService } from './case-access.service';
import { AccessLogEntryDto } from './dto/case-response.dto';

/** Who touched a case and when, from the audit module's log: user, role, action, time, purpose. Newest first. */
@Injectable()
export class CaseAccessLog {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly access: CaseAccessService,
    private readonly audit: AuditService,
  ) {}

  async list(actor: Actor, id: string, query: PageQueryDto): Promise<Page<AccessLogEntryDto>> {
    const { page, limit, skip } = pageWindow(query, this.config.http.listLimitMax);
    await this.access.resolve(this.dataSource.manager, actor, id);
    const [rows, total] = await this.audit.forRecord('case', id, skip, limit);
    return {
      items: rows.map((r) => ({
        id: String(r.id),
        occurredAt: r.occurredAt.toISOString(),
        userId: r.actorUserId,
        role: r.actorRole,
        organisationId: r.actorOrganisationId,
        action: r.action,
        purpose: r.purpose,
      })),
      total,
      page,
      limit,
    };
  }
}
