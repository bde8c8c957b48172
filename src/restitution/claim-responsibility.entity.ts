import { Column, CreateDateColumn, Entity, Generated, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { OrganisationEntity } from '../organisations/organisation.entity';
import { RESPONSIBILITY_CAUSES, ResponsibilityCause } from '../common/vocabulary/restitution';
import { RestitutionClaimEntity } from './restitution-claim.entity';

/**
 * Who was responsible for a claim, and who was the survivor's contact, from when: one row per change, never edited.
 * A row holds from its created_at until the next row of the same claim.
 */
@Entity('claim_responsibility_history')
@Index('ix_claim_responsibility_claim', ['claimId', 'seq'])
export class ClaimResponsibilityEntity {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ type: 'bigint' }) @Generated('increment') seq: string;
  @Column({ type: 'uuid' }) claimId: string;
  @ManyToOne(() => RestitutionClaimEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'claim_id' })
  claim?: RestitutionClaimEntity;
  @Column({ type: 'uuid' }) responsibleOrganisationId: string;
  @ManyToOne(() => OrganisationEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'responsible_organisation_id' })
  responsibleOrganisation?: OrganisationEntity;
  @Column({ type: 'uuid', nullable: true }) survivorContactOrganisationId: string | null;
  @ManyToOne(() => OrganisationEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'survivor_contact_organisation_id' })
  survivorContactOrganisation?: OrganisationEntity;
  @Column({ type: 'enum', enum: RESPONSIBILITY_CAUSES, enumName: 'claim_responsibility_cause' }) cause: ResponsibilityCause;
  /** Null when the system made the change (a referral's ownership transfer in the worker). */
  @Column({ type: 'uuid', nullable: true }) changedByUserId: string | null;
  @Column({ type: 'uuid', nullable: true }) changedByOrganisationId: string | null;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt: Date;
}
