import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** One login: the family of rotating refresh tokens, and the `sid` every access token of that login carries. */
@Entity('auth_sessions')
export class SessionEntity {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Index('ix_auth_sessions_user')
  @Column({ type: 'uuid' })
  userId: string;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt: Date;
  @Column({ type: 'timestamptz' }) expiresAt: Date;
  @Column({ type: 'timestamptz', nullable: true }) revokedAt: Date | null;
  @Column({ type: 'varchar', length: 40, nullable: true }) revokedReason: string | null;
}
