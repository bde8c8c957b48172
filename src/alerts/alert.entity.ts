import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import {
  ALERT_AUDIENCES,
  ALERT_SEVERITIES,
  ALERT_STATUSES,
  ALERT_TYPES,
  AlertAudience,
  AlertSeverity,
  AlertStatus,
  AlertType,
} from '../common/vocabulary/alerts';
import { OrganisationEntity } from '../organisations/organisation.entity';

/**
 * Something that needs a person in one organisation: an overdue step, a consent about to expire, a break-glass access
 * to review. Ids, codes and times only: never a name or any other personal data (the resolution note is the one free
 * text, written by the person who resolves it).
 * The partial unique index makes raising idempotent: one open alert per organisation and dedupe key.
 */
@Entity('alerts')
@Index('ix_alerts_organisation_status', ['organisationId', 'status', 'raisedAt'])
@Index('uq_alerts_open_dedupe', ['organisationId', 'dedupeKey'], { unique: true, where: `status = 'open'` })
@Index('ix_alerts_record', ['recordType', 'recordId'])
@Check(
  'ck_alerts_resolution',
  `(status = 'open' AND resolved_at IS NULL) OR (status = 'resolved' AND resolved_at IS NOT NULL AND resolution_code IS NOT NULL)`,
)
export class AlertEntity {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ type: 'uuid' }) organisationId: string;
  @ManyToOne(() => OrganisationEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'organisation_id' })
  organisation?: OrganisationEntity;
  @Column({ type: 'enum', enum: ALERT_TYPES, enumName: 'alert_type' }) type: AlertType;
  @Column({ type: 'enum', enum: ALERT_SEVERITIES, enumName: 'alert_severity' }) severity: AlertSeverity;
  @Column({ type: 'enum', enum: ALERT_STATUSES, enumName: 'alert_status', default: 'open' }) status: AlertStatus;
  @Column({ type: 'enum', enum: ALERT_AUDIENCES, enumName: 'alert_audience', default: 'organisation' }) audience: AlertAudience;
  /** When set, among caseworkers only this one sees the alert (supervisors see every alert of their organisation). */
  @Column({ type: 'uuid', nullable: true }) assigneeUserId: string | null;
  /** The user whose action the alert asks someone to review: that user may not resolve it. */
  @Column({ type: 'uuid', nullable: true }) subjectUserId: string | null;
  /** What the alert is about, e.g. "referral", "consent", "case". */
  @Column({ type: 'varchar', length: 40 }) recordType: string;
  @Column({ type: 'uuid' }) recordId: string;
  /** The case it concerns, when there is one, so a client can open it. */
  @Column({ type: 'uuid', nullable: true }) caseId: string | null;
  @Column({ type: 'varchar', length: 200 }) dedupeKey: string;
  /** Codes and ids only (e.g. a milestone name, a provision index). */
  @Column({ type: 'jsonb', nullable: true }) details: Record<string, string | number | boolean | null> | null;
  @Column({ type: 'timestamptz', nullable: true }) dueAt: Date | null;
  @Column({ type: 'timestamptz', default: () => 'now()' }) raisedAt: Date;
  @Column({ type: 'timestamptz', nullable: true }) resolvedAt: Date | null;
  /** Null when the system resolved it (the consent it warned about was withdrawn, say). */
  @Column({ type: 'uuid', nullable: true }) resolvedByUserId: string | null;
  /** "resolved" when a person resolved it, or the system's reason code. */
  @Column({ type: 'varchar', length: 40, nullable: true }) resolutionCode: string | null;
  @Column({ type: 'varchar', length: 500, nullable: true }) resolutionNote: string | null;
}
