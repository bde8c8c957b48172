import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import { EMAIL_MODES, EmailMode } from '../common/vocabulary/notifications';
import { OrganisationEntity } from '../organisations/organisation.entity';
import { UserEntity } from '../users/user.entity';

/** A person's own choice of e-mail mode; no row: the organisation's default applies. */
@Entity('notification_preferences')
export class NotificationPreferenceEntity {
  @PrimaryColumn({ type: 'uuid' }) userId: string;
  @ManyToOne(() => UserEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id' })
  user?: UserEntity;
  @Column({ type: 'enum', enum: EMAIL_MODES, enumName: 'email_mode' }) email: EmailMode;
  @UpdateDateColumn({ type: 'timestamptz' }) updatedAt: Date;
}

/** An organisation's default e-mail mode, set by its org admins; no row: NOTIFICATION_DEFAULT_EMAIL applies. */
@Entity('organisation_notification_defaults')
export class OrganisationNotificationDefaultEntity {
  @PrimaryColumn({ type: 'uuid' }) organisationId: string;
  @ManyToOne(() => OrganisationEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'organisation_id' })
  organisation?: OrganisationEntity;
  @Column({ type: 'enum', enum: EMAIL_MODES, enumName: 'email_mode' }) email: EmailMode;
  @UpdateDateColumn({ type: 'timestamptz' }) updatedAt: Date;
}
