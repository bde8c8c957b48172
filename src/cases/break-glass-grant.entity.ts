import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { UserEntity } from '../users/user.entity';
import { CaseEntity } from './case.entity';

/**
 * A time-limited permission to open a danger-flagged case outside the normal rule, given to one user on a stated
 * reason. The reason is free text, so it is encrypted under the case's data key (bound to this grant's id) and never
 * copied into the audit entry, which refers to this row by id.
 */
@Entity('case_break_glass_grants')
@Index('ix_break_glass_case_user', ['caseId', 'userId', 'expiresAt'])
export class BreakGlassGrantEntity {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ type: 'uuid' }) caseId: string;
  @ManyToOne(() => CaseEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'case_id' })
  case?: CaseEntity;
  @Column({ type: 'uuid' }) userId: string;
  @ManyToOne(() => UserEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'user_id' })
  user?: UserEntity;
  @Column({ type: 'uuid' }) organisationId: string;
  @Column({ type: 'bytea', nullable: true }) reasonCiphertext: Buffer | null;
  @CreateDateColumn({ type: 'timestamptz' }) grantedAt: Date;
  @Column({ type: 'timestamptz' }) expiresAt: Date;
  @Column({ type: 'timestamptz', nullable: true }) reviewedAt: Date | null;
  @Column({ type: 'uuid', nullable: true }) reviewedBy: string | null;
}
