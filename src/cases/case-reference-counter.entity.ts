import { Column, Entity, PrimaryColumn } from 'typeorm';

/** The last reference number handed out per owner country and year; bumped in a statement of its own just before the case is inserted (CasesService.takeReferences). */
@Entity('case_reference_counters')
export class CaseReferenceCounterEntity {
  @PrimaryColumn({ type: 'char', length: 2 }) country: string;
  @PrimaryColumn({ type: 'smallint' }) year: number;
  @Column({ type: 'integer' }) lastValue: number;
}
