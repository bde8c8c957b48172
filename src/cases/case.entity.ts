import { Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import {
  CASE_STATUSES,
  CLOSURE_REASONS,
  CaseStatus,
  ClosureReason,
  DETENTION_STATUSES,
  DetentionStatus,
  EXPLOITATION_TYPES,
  ExploitationType,
  GENDERS,
  Gender,
  IMMIGRATION_STATUSES,
  ImmigrationStatus,
  LegalRole,
  MEANS_OF_CONTROL,
  MeansOfControl,
  NON_PUNISHMENT_ASSESSMENTS,
  NonPunishmentAssessment,
  RECRUITMENT_METHODS,
  RECRUITMENT_PLATFORMS,
  RISK_LEVELS,
  RecruitmentMethod,
  RecruitmentPlatform,
  RiskLevel,
  TRAFFICKING_STATUSES,
  TraffickingStatus,
} from '../common/vocabulary';
import { OrganisationEntity } from '../organisations/organisation.entity';
import { UserEntity } from '../users/user.entity';

/** A legal proceeding the person takes part in. No names: jurisdiction, the court's case number, the person's role, dates. */
export interface LegalProceeding {
  jurisdiction: string;
  caseNumber: string | null;
  role: LegalRole;
  nextHearing: string | null;
}

/**
 * A victim's case, owned by one organisation. Everything that identifies the person (names, date of birth, identity
 * documents, contact, current location) is stored only as AES-256-GCM ciphertext under the case's own data key
 * (see case_keys and src/crypto); those columns are `select: false`, so lists and access checks never load them.
 * The id is chosen by the service before the insert because every ciphertext's associated data names it.
 */
@Entity('cases')
@Index('ix_cases_owner_created', ['ownerOrganisationId', 'createdAt', 'id'])
@Index('ix_cases_assigned', ['assignedCaseworkerId'])
@Check('ck_cases_version_positive', '"version" >= 1')
@Check('ck_cases_age_when_trafficked', '"age_when_trafficked" IS NULL OR ("age_when_trafficked" >= 0 AND "age_when_trafficked" <= 120)')
@Check(
  'ck_cases_reflection_period',
  '"reflection_period_start" IS NULL OR "reflection_period_end" IS NULL OR "reflection_period_start" <= "reflection_period_end"',
)
export class CaseEntity {
  @PrimaryColumn('uuid') id: string;
  /** e.g. TH-2026-000123: owner country, year, per-country-year counter. Says nothing about the person. */
  @Index('uq_cases_reference', { unique: true })
  @Column({ type: 'varchar', length: 24 })
  reference: string;
  @Column({ type: 'uuid' }) ownerOrganisationId: string;
  @ManyToOne(() => OrganisationEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'owner_organisation_id' })
  ownerOrganisation?: OrganisationEntity;
  @Column({ type: 'uuid', nullable: true }) assignedCaseworkerId: string | null;
  @ManyToOne(() => UserEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'assigned_caseworker_id' })
  assignedCaseworker?: UserEntity;
  @Column({ type: 'enum', enum: CASE_STATUSES, enumName: 'case_status', default: 'active' }) status: CaseStatus;
  /** Optimistic lock: every change bumps it; the strong ETag is "<version>-<digest of the answer>" (common/http/etag.ts). */
  @Column({ type: 'integer', default: 1 }) version: number;

  // Identity: ciphertext only (version | iv | tag | ciphertext), associated data = case id + field name.
  @Column({ type: 'bytea', nullable: true, select: false }) identityGivenName: Buffer | null;
  @Column({ type: 'bytea', nullable: true, select: false }) identityFamilyName: Buffer | null;
  @Column({ type: 'bytea', nullable: true, select: false }) identityDateOfBirth: Buffer | null;
  @Column({ type: 'bytea', nullable: true, select: false }) identityDocuments: Buffer | null;
  @Column({ type: 'bytea', nullable: true, select: false }) identityPhone: Buffer | null;
  @Column({ type: 'bytea', nullable: true, select: false }) identityEmail: Buffer | null;
  @Column({ type: 'bytea', nullable: true, select: false }) identityCurrentLocation: Buffer | null;
  /** Set when the data key was destroyed: the identity columns above are then cleared too. */
  @Column({ type: 'timestamptz', nullable: true }) identityErasedAt: Date | null;

  @Column({ type: 'enum', enum: GENDERS, enumName: 'case_gender', nullable: true }) gender: Gender | null;
  @Column({ type: 'varchar', length: 2, array: true, default: () => "'{}'" }) citizenship: string[];
  @Column({ type: 'varchar', length: 3, array: true, default: () => "'{}'" }) languages: string[];
  /** Derived, never set by a client: under 18 by date of birth at the last write, else by age when trafficked. */
  @Column({ type: 'boolean', nullable: true }) minor: boolean | null;

  @Column({ type: 'enum', enum: TRAFFICKING_STATUSES, enumName: 'trafficking_status', nullable: true })
  traffickingStatus: TraffickingStatus | null;
  @Column({ type: 'uuid', nullable: true }) traffickingStatusDecidedByOrganisationId: string | null;
  @Column({ type: 'date', nullable: true }) traffickingStatusDecidedAt: string | null;
  @Column({ type: 'enum', enum: EXPLOITATION_TYPES, enumName: 'exploitation_type', array: true, default: () => "'{}'" })
  exploitationTypes: ExploitationType[];
  @Column({ type: 'enum', enum: MEANS_OF_CONTROL, enumName: 'means_of_control', array: true, default: () => "'{}'" })
  meansOfControl: MeansOfControl[];
  @Column({ type: 'enum', enum: RECRUITMENT_METHODS, enumName: 'recruitment_method', array: true, default: () => "'{}'" })
  recruitmentMethods: RecruitmentMethod[];
  @Column({ type: 'enum', enum: RECRUITMENT_PLATFORMS, enumName: 'recruitment_platform', array: true, default: () => "'{}'" })
  recruitmentPlatforms: RecruitmentPlatform[];
  @Column({ type: 'char', length: 2, nullable: true }) countryOfRecruitment: string | null;
  @Column({ type: 'char', length: 2, nullable: true }) countryOfExploitation: string | null;
  @Column({ type: 'smallint', nullable: true }) ageWhenTrafficked: number | null;

  // Protection
  @Column({ type: 'enum', enum: RISK_LEVELS, enumName: 'risk_level', nullable: true }) riskLevel: RiskLevel | null;
  @Column({ type: 'date', nullable: true }) riskAssessedAt: string | null;
  @Column({ type: 'boolean', default: false }) dangerFlag: boolean;
  @Column({ type: 'date', nullable: true }) reflectionPeriodStart: string | null;
  @Column({ type: 'date', nullable: true }) reflectionPeriodEnd: string | null;
  @Column({ type: 'enum', enum: IMMIGRATION_STATUSES, enumName: 'immigration_status', nullable: true })
  immigrationStatus: ImmigrationStatus | null;
  @Column({ type: 'enum', enum: DETENTION_STATUSES, enumName: 'detention_status', nullable: true }) detentionStatus: DetentionStatus | null;
  @Column({ type: 'enum', enum: NON_PUNISHMENT_ASSESSMENTS, enumName: 'non_punishment_assessment', nullable: true })
  nonPunishmentAssessment: NonPunishmentAssessment | null;
  @Column({ type: 'boolean', default: false }) objectsToHomeStateNotification: boolean;

  @Column({ type: 'jsonb', default: () => "'[]'" }) legalProceedings: LegalProceeding[];

  @Column({ type: 'enum', enum: CLOSURE_REASONS, enumName: 'case_closure_reason', nullable: true }) closureReason: ClosureReason | null;
  @Column({ type: 'timestamptz', nullable: true }) closedAt: Date | null;
  @Column({ type: 'uuid', nullable: true }) closedBy: string | null;
  @Column({ type: 'uuid' }) createdBy: string;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ type: 'timestamptz' }) updatedAt: Date;
}
