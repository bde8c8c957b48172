import { Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import {
  REFERRAL_ACTOR_KINDS,
  REFERRAL_EVENT_KINDS,
  REFERRAL_MILESTONES,
  REFERRAL_STATUSES,
  ReferralActorKind,
  ReferralEventKind,
  ReferralMilestone,
  ReferralStatus,
} from '../common/vocabulary';
import { ReferralEntity } from './referral.entity';

/**
 * A referral's history, append-only: every change of status (who, when, from, to, reason) and every milestone.
 * `reason` and `note` are free text from the people involved; they stay here and are never copied to the audit log.
 */
@Entity('referral_events')
@Index('ix_referral_events_referral', ['referralId', 'occurredAt'])
@Check(
  'ck_referral_events_shape',
  `(kind = 'transition' AND to_status IS NOT NULL AND milestone IS NULL) OR (kind = 'milestone' AND milestone IS NOT NULL)`,
)
export class ReferralEventEntity {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ type: 'uuid' }) referralId: string;
  @ManyToOne(() => ReferralEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'referral_id' })
  referral?: ReferralEntity;
  @Column({ type: 'enum', enum: REFERRAL_EVENT_KINDS, enumName: 'referral_event_kind' }) kind: ReferralEventKind;
  @Column({ type: 'enum', enum: REFERRAL_STATUSES, enumName: 'referral_status', nullable: true }) fromStatus: ReferralStatus | null;
  @Column({ type: 'enum', enum: REFERRAL_STATUSES, enumName: 'referral_status', nullable: true }) toStatus: ReferralStatus | null;
  @Column({ type: 'enum', enum: REFERRAL_MILESTONES, enumName: 'referral_milestone', nullable: true }) milestone: ReferralMilestone | null;
  @Column({ type: 'boolean', default: false }) skipped: boolean;
  @Column({ type: 'enum', enum: REFERRAL_ACTOR_KINDS, enumName: 'referral_actor_kind' }) actorKind: ReferralActorKind;
  @Column({ type: 'uuid', nullable: true }) actorUserId: string | null;
  @Column({ type: 'uuid', nullable: true }) actorOrganisationId: string | null;
  @Column({ type: 'text', nullable: true }) reason: string | null;
  @Column({ type: 'text', nullable: true }) note: string | null;
  /** Codes and ids only: a failure reason, the consents relied on, an ownership transfer. */
  @Column({ type: 'jsonb', nullable: true }) details: Record<string, unknown> | null;
  @Column({ type: 'timestamptz', default: () => 'now()' }) occurredAt: Date;
  @CreateDateColumn({ type: 'timestamptz' }) recordedAt: Date;
}
