import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

export const PARTNER_STATUSES = ['active', 'suspended', 'retired'] as const;
export type PartnerStatus = (typeof PARTNER_STATUSES)[number];

/** One public Ed25519 key of a partner, as JWK (public members only). */
export interface PartnerJwk {
  kty: 'OKP';
  crv: 'Ed25519';
  x: string;
  kid: string;
  use?: 'sig';
  alg?: 'EdDSA';
  /** A retired key's end of validity (NumericDate): packets it signed are refused after it. Absent: no end announced. */
  exp?: number;
}

/**
 * Another Lintas deployment this one exchanges signed packets with: its node id (the `iss` of what it signs), where it
 * is reached, the public keys its packets must verify against, and the acceptance deadline agreed with it.
 */
@Entity('federation_partners')
@Index('uq_federation_partners_node_id', ['nodeId'], { unique: true })
export class FederationPartnerEntity {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ type: 'varchar', length: 100 }) nodeId: string;
  @Column({ type: 'varchar', length: 200 }) name: string;
  @Column({ type: 'varchar', length: 500 }) baseUrl: string;
  @Column({ type: 'jsonb' }) jwks: { keys: PartnerJwk[] };
  /** Hours the partner's organisations have to accept a referral after delivery. */
  @Column({ type: 'int' }) acceptanceDeadlineHours: number;
  @Column({ type: 'enum', enum: PARTNER_STATUSES, enumName: 'federation_partner_status', default: 'active' }) status: PartnerStatus;
  /**
   * When the keys were last fetched because a packet named a key id not registered here: one fetch per interval, so a
   * stream of forged key ids cannot make this deployment hammer its partner.
   */
  @Column({ type: 'timestamptz', nullable: true }) keysRefreshedAt: Date | null;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ type: 'timestamptz' }) updatedAt: Date;
}
