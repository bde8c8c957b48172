import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { ALERT_AUDIENCES, ALERT_SEVERITIES, ALERT_STATUSES, ALERT_TYPES, AlertAudience, AlertSeverity, AlertStatus, AlertType } from '../common/vocabulary';

/**
 * Something that needs a person of an organisation: the action-needed list. Ids and codes only — an alert never holds
 * a name, a reason text or anything else personal; it points at the record that needs attention.
 */
@Entity('alerts')
@Index('ix_alerts_open_by_organisation', ['organisationId', 'createdAt'], { where: "status = 'open'" })
@Index('ix_alerts_record', ['recordType', 'recordId'])
export class AlertEntity {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ type: 'enum', enum: ALERT_TYPES, enumName: 'alert_type' }) type: AlertType;
  @Column({ type: 'enum', enum: ALERT_SEVERITIES, enumName: 'alert_severity' }) severity: AlertSeverity;
  @Column({ type: 'enum', enum: ALERT_STATUSES, enumName: 'alert_status', default: 'open' }) status: AlertStatus;
  @Column({ type: 'enum', enum: ALERT_AUDIENCES, enumName: 'alert_audience', default: 'organisation' }) audience: AlertAudience;
  /** Whose action-needed list it is on. */
  @Column({ type: 'uuid' }) organisationId: string;
  @Column({ type: 'varchar', length: 40 }) recordType: string;
  @Column({ type: 'varchar', length: 64 }) recordId: string;
  /** The user whose action raised it (e.g. who broke the glass): they may not resolve it themselves. */
  @Column({ type: 'uuid', nullable: true }) raisedBy: string | null;
  /** Ids and codes only. */
  @Column({ type: 'jsonb', nullable: true }) details: Record<string, string | number | boolean | null> | null;
  @Column({ type: 'timestamptz', nullable: true }) dueAt: Date | null;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt: Date;
  @Column({ type: 'timestamptz', nullable: true }) resolvedAt: Date | null;
  @Column({ type: 'uuid', nullable: true }) resolvedBy: string | null;
}
