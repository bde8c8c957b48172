import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { DomainError } from '../common/errors/domain-error';
import { CaseCryptoService } from '../crypto/case-crypto.service';
import { DataCategory } from '../common/vocabulary';
import { FederationInboundReferralEntity } from './federation-inbound-referral.entity';
import { ReferralPacketBody } from './referral-packets';

/** The field name in the packet's associated data: a ciphertext cannot be moved to another row or field. */
export const PACKET_FIELD = 'federation_referral_packet';

/** What the receiving deployment keeps of a packet (encrypted) and serves to its receiving organisation. */
export interface StoredPacket {
  caseReference: string;
  reason: string;
  dataCategories: DataCategory[];
  data: ReferralPacketBody['data'];
}

/**
 * The receiving side's encrypted copy of referral packets from partner deployments: sealed when a packet arrives,
 * opened only for the receiving organisation's read of the referred case, destroyed by a recall.
 */
@Injectable()
export class InboundPacketStore {
  constructor(private readonly crypto: CaseCryptoService) {}

  /** Encrypts a packet's content under a fresh data key bound to the inbound row's id. */
  seal(rowId: string, packet: StoredPacket): { masterKeyId: string; wrappedKey: Buffer; sealed: Buffer } {
    const { dataKey, wrapped } = this.crypto.newKey(rowId);
    try {
      return {
        masterKeyId: wrapped.masterKeyId,
        wrappedKey: wrapped.wrappedKey,
        sealed: this.crypto.encrypt(dataKey, rowId, PACKET_FIELD, packet),
      };
    } finally {
      dataKey.fill(0);
    }
  }

  /** The incoming referral's packet, decrypted; refused once the sender recalled it (the key is gone). */
  async read(em: EntityManager, referralId: string): Promise<StoredPacket> {
    const row = await em.findOne(FederationInboundReferralEntity, { where: { referralId } });
    if (!row) throw new DomainError('FEDERATION_REFERRAL_NOT_FOUND', 'No packet was received for this referral');
    if (!row.wrappedKey || !row.packet) {
      throw new DomainError('REFERRAL_RECALLED', 'The sender recalled this referral; its data is no longer held here', {
        status: 'recalled',
      });
    }
    // The person restricted the use of their case on the sender's deployment: nothing of it is used here meanwhile.
    if (row.senderRestrictedAt) throw senderRestricted();
    const dataKey = this.crypto.unwrap(row.id, { masterKeyId: row.masterKeyId, wrappedKey: row.wrappedKey });
    try {
      return this.crypto.decrypt<StoredPacket>(dataKey, row.id, PACKET_FIELD, row.packet);
    } finally {
      dataKey.fill(0);
    }
  }

  /**
   * The other reads of what a packet carried (the claim copies) by the organisation that holds it are refused, like
   * the packet's, while the sender's restriction stands. Nothing for another organisation's referral (the caller
   * answers it as missing).
   */
  async assertNotRestricted(em: EntityManager, referralId: string, organisationId: string): Promise<void> {
    const row = await em.findOne(FederationInboundReferralEntity, {
      select: { id: true, senderRestrictedAt: true },
      where: { referralId, receivingOrganisationId: organisationId },
    });
    if (row?.senderRestrictedAt) throw senderRestricted();
  }

  /**
   * A restriction notice from the sender about the packet stored under its referral id: kept (restricted or lifted,
   * and the notice's sequence) unless a later notice was applied already — notices are sent by a queue and may
   * arrive out of order. False when the notice is older than the one applied (it changes nothing). A notice without
   * a sequence (an older sender) is applied as it comes. No stored packet for the id: true (not this store's call).
   */
  async applyRestriction(
    em: EntityManager,
    partnerId: string,
    remoteReferralId: string,
    notice: { restricted: boolean; sequence?: number; occurredAt: Date },
  ): Promise<boolean> {
    const row = await em.findOne(FederationInboundReferralEntity, {
      where: { partnerId, remoteReferralId },
      lock: { mode: 'pessimistic_write' },
    });
    if (!row) return true;
    const { sequence } = notice;
    if (sequence !== undefined && row.restrictionSequence !== null && sequence <= row.restrictionSequence) return false;
    await em.update(
      FederationInboundReferralEntity,
      { id: row.id },
      { senderRestrictedAt: notice.restricted ? notice.occurredAt : null, restrictionSequence: sequence ?? row.restrictionSequence },
    );
    return true;
  }

  /**
   * A rectification from the sender (GDPR Art. 19): the corrected fields are merged into the stored packet, category
   * by category, and the packet is sealed again under its own key. Only categories the packet holds are touched;
   * answers those. Refused once the sender recalled the packet (nothing is held to correct), or for an id under which
   * no packet was received from this partner.
   */
  async applyRectification(
    em: EntityManager,
    partnerId: string,
    remoteReferralId: string,
    data: ReferralPacketBody['data'],
  ): Promise<DataCategory[]> {
    const row = await em.findOne(FederationInboundReferralEntity, {
      where: { partnerId, remoteReferralId },
      lock: { mode: 'pessimistic_write' },
    });
    if (!row) throw new DomainError('FEDERATION_REFERRAL_NOT_FOUND', 'No packet was received for this referral');
    if (!row.wrappedKey || !row.packet) {
      throw new DomainError('REFERRAL_RECALLED', 'The sender recalled this referral; its data is no longer held here', {
        status: 'recalled',
      });
    }
    const dataKey = this.crypto.unwrap(row.id, { masterKeyId: row.masterKeyId, wrappedKey: row.wrappedKey });
    try {
      const stored = this.crypto.decrypt<StoredPacket>(dataKey, row.id, PACKET_FIELD, row.packet);
      const merged = (Object.keys(data) as DataCategory[]).filter((c) => stored.dataCategories.includes(c) && stored.data[c]);
      if (merged.length === 0) return [];
      for (const category of merged) stored.data[category] = { ...stored.data[category], ...data[category] };
      await em.update(
        FederationInboundReferralEntity,
        { id: row.id },
        { packet: this.crypto.encrypt(dataKey, row.id, PACKET_FIELD, stored) },
      );
      return merged;
    } finally {
      dataKey.fill(0);
    }
  }

  /** Destroys the key and the ciphertext (a recall); answers when that happened (the first time). */
  async restrict(em: EntityManager, row: FederationInboundReferralEntity, at = new Date()): Promise<Date> {
    if (row.restrictedAt) return row.restrictedAt;
    await em.update(FederationInboundReferralEntity, { id: row.id }, { wrappedKey: null, packet: null, restrictedAt: at });
    row.restrictedAt = at;
    return at;
  }
}

const senderRestricted = () =>
  new DomainError('CASE_RESTRICTED', 'The person restricted the use of this case: it is not available until the restriction is lifted', {
    blocks: ['case_restricted'],
  });
