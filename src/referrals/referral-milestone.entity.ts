import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { MILESTONE_STATES, MilestoneState, REFERRAL_MILESTONES, ReferralMilestone } from '../common/vocabulary';
import { ReferralEntity } from './referral.entity';

/**
 * One milestone of an accepted cross-border referral. All six rows are written at acceptance (pending, with their due
 * dates); recording one marks it done or skipped and moves the due dates of those that count from it. The row's id is
 * what overdue alerts point at, so recording a milestone resolves exactly its own alerts.
 */
@Entity('referral_milestones')
@Index('uq_referral_milestones', ['referralId', 'milestone'], { unique: true })
@Check(
  'ck_referral_milestones_recorded',
  `(state = 'pending' AND recorded_at IS NULL) OR (state <> 'pending' AND recorded_at IS NOT NULL AND occurred_at IS NOT NULL)`,
)
@Check('ck_referral_milestones_skip_reason', `state <> 'skipped' OR skip_reason IS NOT NULL`)
export class ReferralMilestoneEntity {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ type: 'uuid' }) referralId: string;
  @ManyToOne(() => ReferralEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'referral_id' })
  referral?: ReferralEntity;
  @Column({ type: 'enum', enum: REFERRAL_MILESTONES, enumName: 'referral_milestone' }) milestone: ReferralMilestone;
  @Column({ type: 'enum', enum: MILESTONE_STATES, enumName: 'referral_milestone_state', default: 'pending' }) state: MilestoneState;
  @Column({ type: 'timestamptz' }) dueAt: Date;
  @Column({ type: 'timestamptz', nullable: true }) occurredAt: Date | null;
  @Column({ type: 'timestamptz', nullable: true }) recordedAt: Date | null;
  @Column({ type: 'uuid', nullable: true }) recordedByUserId: string | null;
  @Column({ type: 'uuid', nullable: true }) recordedByOrganisationId: string | null;
  @Column({ type: 'text', nullable: true }) note: string | null;
  @Column({ type: 'text', nullable: true }) skipReason: string | null;
}
