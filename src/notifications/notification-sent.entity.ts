import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { UserEntity } from '../users/user.entity';

/**
 * One e-mail sent to one person: an alert's (key: the alert id) or a day's digest (key: the UTC date). The unique key
 * makes a retried job send each message once; no address and no content is kept.
 */
@Entity('notification_emails')
@Index('uq_notification_emails_key', ['userId', 'kind', 'key'], { unique: true })
export class NotificationSentEntity {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ type: 'uuid' }) userId: string;
  @ManyToOne(() => UserEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id' })
  user?: UserEntity;
  @Column({ type: 'varchar', length: 10 }) kind: 'alert' | 'digest';
  @Column({ type: 'varchar', length: 64 }) key: string;
  @Column({ type: 'timestamptz', default: () => 'now()' }) sentAt: Date;
}
