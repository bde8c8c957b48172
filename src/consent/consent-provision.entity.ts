import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import {
  CONSENT_PURPOSES,
  ConsentPurpose,
  DATA_CATEGORIES,
  DataCategory,
  PROVISION_EFFECTS,
  ProvisionEffect,
} from '../common/vocabulary/consent';
import { OrganisationEntity } from '../organisations/organisation.entity';
import type { ConsentEntity } from './consent.entity';

/**
 * One provision of a consent: permit or deny × recipient (one organisation, or every organisation in a country) ×
 * purposes × data categories × validity period [validFrom, validUntil]. Written once with its consent, never changed.
 */
@Entity('consent_provisions')
@Index('uq_consent_provisions_position', ['consentId', 'position'], { unique: true })
@Index('ix_consent_provisions_valid_until', ['validUntil'])
@Check('ck_consent_provisions_one_recipient', '(recipient_organisation_id IS NULL) <> (recipient_country IS NULL)')
@Check('ck_consent_provisions_period', 'valid_from <= valid_until')
@Check('ck_consent_provisions_not_empty', 'cardinality(purposes) > 0 AND cardinality(data_categories) > 0')
export class ConsentProvisionEntity {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ type: 'uuid' }) consentId: string;
  @ManyToOne('ConsentEntity', (c: ConsentEntity) => c.provisions, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'consent_id' })
  consent?: ConsentEntity;
  /** The provision's index in the consent as given (0-based): the evaluator cites it. */
  @Column({ type: 'smallint' }) position: number;
  @Column({ type: 'enum', enum: PROVISION_EFFECTS, enumName: 'consent_provision_effect' }) effect: ProvisionEffect;
  @Column({ type: 'uuid', nullable: true }) recipientOrganisationId: string | null;
  @ManyToOne(() => OrganisationEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'recipient_organisation_id' })
  recipientOrganisation?: OrganisationEntity;
  @Column({ type: 'char', length: 2, nullable: true }) recipientCountry: string | null;
  @Column({ type: 'enum', enum: CONSENT_PURPOSES, enumName: 'consent_purpose', array: true }) purposes: ConsentPurpose[];
  @Column({ type: 'enum', enum: DATA_CATEGORIES, enumName: 'consent_data_category', array: true }) dataCategories: DataCategory[];
  @Column({ type: 'timestamptz' }) validFrom: Date;
  @Column({ type: 'timestamptz' }) validUntil: Date;
}
