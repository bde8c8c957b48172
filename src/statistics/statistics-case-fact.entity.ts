import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * One narrow row per case with only what the statistics tables and the anonymised export read: no identity, no free
 * text, the age already banded. Maintained by a database trigger on `cases` (migration StatisticsFacts), so every write
 * path — the API, the demo seed, a future import — keeps it current without the case code knowing about statistics.
 * A case counts in the period of its registration (`registered_at` = the case's `created_at`).
 *
 * The case id is the key so the trigger can upsert; it is never published (tables and export carry no ids).
 */
@Entity('statistics_case_facts')
@Index('ix_statistics_case_facts_registered', ['registeredAt'])
export class StatisticsCaseFactEntity {
  @PrimaryColumn('uuid') caseId: string;
  @Column({ type: 'uuid' }) ownerOrganisationId: string;
  @Column({ type: 'timestamptz' }) registeredAt: Date;
  /** HTCDS gender value; null when not recorded. */
  @Column({ type: 'varchar', length: 32, nullable: true }) gender: string | null;
  /** CTDC age band of the age when trafficked (0-8 … 48+); null when unknown. */
  @Column({ type: 'varchar', length: 8, nullable: true }) ageBand: string | null;
  @Column({ type: 'boolean', nullable: true }) minor: boolean | null;
  @Column({ type: 'varchar', length: 2, array: true, default: () => "'{}'" }) citizenship: string[];
  @Column({ type: 'char', length: 2, nullable: true }) countryOfExploitation: string | null;
  @Column({ type: 'varchar', length: 32, nullable: true }) traffickingStatus: string | null;
  @Column({ type: 'varchar', length: 32, array: true, default: () => "'{}'" }) exploitationTypes: string[];
  @Column({ type: 'varchar', length: 40, array: true, default: () => "'{}'" }) meansOfControl: string[];
  @Column({ type: 'varchar', length: 40, array: true, default: () => "'{}'" }) recruitmentMethods: string[];
}
