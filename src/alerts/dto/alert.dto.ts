import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsOptional, IsString, IsUUID, MaxLength, MinLength } from 'class-validator';
import { IsOptionalNotNull } from '../../common/validation/is-optional-not-null';
import { MAX_PAGE_LIMIT, PageQueryDto } from '../../common/http/pagination';
import {
  ALERT_AUDIENCES,
  ALERT_SEVERITIES,
  ALERT_STATUSES,
  ALERT_TYPES,
  AlertAudience,
  AlertSeverity,
  AlertStatus,
  AlertType,
} from '../../common/vocabulary/alerts';
import { AlertEntity } from '../alert.entity';

export class ListAlertsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: ALERT_STATUSES, default: 'open', description: 'The action-needed list is the open alerts' })
  @IsOptional()
  @IsIn(ALERT_STATUSES)
  status: AlertStatus = 'open';

  @ApiPropertyOptional({ enum: ALERT_TYPES }) @IsOptional() @IsIn(ALERT_TYPES) type?: AlertType;

  @ApiPropertyOptional({ format: 'uuid', description: 'Only the alerts about this case' }) @IsOptional() @IsUUID() caseId?: string;
}

export class ResolveAlertDto {
  @ApiPropertyOptional({
    maxLength: 500,
    description: 'What was done. Do not write names, documents, places or other personal data here.',
    example: 'Consent renewed with the person on the next visit',
  })
  @IsOptionalNotNull()
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value))
  @IsString()
  @MinLength(1)
  @MaxLength(500)
  note?: string;
}

export class AlertResponseDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) organisationId: string;
  @ApiProperty({ enum: ALERT_TYPES }) type: AlertType;
  @ApiProperty({ enum: ALERT_SEVERITIES }) severity: AlertSeverity;
  @ApiProperty({ enum: ALERT_STATUSES }) status: AlertStatus;
  @ApiProperty({ enum: ALERT_AUDIENCES }) audience: AlertAudience;
  @ApiProperty({ maxLength: 40, example: 'consent' }) recordType: string;
  @ApiProperty({ format: 'uuid' }) recordId: string;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) caseId: string | null;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) assigneeUserId: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true, description: 'Codes and ids only' })
  details: Record<string, string | number | boolean | null> | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) dueAt: string | null;
  @ApiProperty({ format: 'date-time' }) raisedAt: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) resolvedAt: string | null;
  @ApiProperty({ format: 'uuid', nullable: true, type: String, description: 'Null when the system resolved it' }) resolvedByUserId:
    string | null;
  @ApiProperty({
    maxLength: 40,
    nullable: true,
    type: String,
    example: 'resolved',
    description: '"resolved" (by a person) or the system\u2019s reason code',
  })
  resolutionCode: string | null;
  @ApiProperty({ maxLength: 500, nullable: true, type: String }) resolutionNote: string | null;

  static from(a: AlertEntity): AlertResponseDto {
    return {
      id: a.id,
      organisationId: a.organisationId,
      type: a.type,
      severity: a.severity,
      status: a.status,
      audience: a.audience,
      recordType: a.recordType,
      recordId: a.recordId,
      caseId: a.caseId,
      assigneeUserId: a.assigneeUserId,
      details: a.details,
      dueAt: a.dueAt ? a.dueAt.toISOString() : null,
      raisedAt: a.raisedAt.toISOString(),
      resolvedAt: a.resolvedAt ? a.resolvedAt.toISOString() : null,
      resolvedByUserId: a.resolvedByUserId,
      resolutionCode: a.resolutionCode,
      resolutionNote: a.resolutionNote,
    };
  }
}

export class AlertPageDto {
  @ApiProperty({ maxItems: MAX_PAGE_LIMIT, type: [AlertResponseDto] }) items: AlertResponseDto[];
  @ApiProperty() total: number;
  @ApiProperty() page: number;
  @ApiProperty() limit: number;
}
