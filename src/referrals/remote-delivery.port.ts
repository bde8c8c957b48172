import type { RecallReason } from '../federation/referral-packets';
/**
 * The seam between referrals and federation. Referrals decide WHEN a packet leaves, a recall is sent, and what a
 * partner's event changes; the federation module decides HOW (signed packets over HTTPS, see docs/federation.md).
 *
 * The referrals worker calls the port outside any database transaction (it talks to the network) and then records
 * the outcome once (processOnce), so an implementation must be idempotent for the same referral: a delivery or recall
 * repeated after a crash must not duplicate anything at the partner.
 *
 * Inbound, the federation module hands each verified packet to its ReferralFederationPort, which this module
 * implements (referral-partner-inbound.ts).
 */

export const REMOTE_DELIVERY_PORT = Symbol('RemoteDeliveryPort');

export type RemoteDeliveryOutcome = 'delivered' | 'permanent_failure' | 'retry';

export interface RemoteDeliveryResult {
  outcome: RemoteDeliveryOutcome;
  /** A code for the history and the alert when it failed (e.g. "partner_refused"); never personal data. */
  reason?: 'remote_delivery_not_configured' | 'partner_refused' | 'retries_exhausted';
  /** The partner answered a delivery with its signed acknowledgement: the referral is `received` at once. */
  acknowledged?: boolean;
  /**
   * The partner answered 2xx but its acknowledgement was refused (suspended meanwhile, or not one this side accepts):
   * it may hold the packet, so a delivery that fails for good sends it a recall.
   */
  partnerMayHold?: boolean;
}

export interface RemoteDeliveryPort {
  /** Build (consented categories only) and send the packet of an approved referral to its remote receiver. */
  deliver(referralId: string): Promise<RemoteDeliveryResult>;
  /**
   * Tell the remote receiver the referral was recalled (consent withdrawn, or the person's erasure requested); it
   * destroys the packet and acknowledges with a signed answer.
   */
  recall(referralId: string, reason?: RecallReason): Promise<RemoteDeliveryResult>;
}

/**
 * Until the federation delivery is wired in, a referral to a remote organisation fails for good, visibly: the
 * referral becomes `failed` with reason remote_delivery_not_configured and the sender gets a delivery_failed alert.
 */
export class UnconfiguredRemoteDelivery implements RemoteDeliveryPort {
  deliver(): Promise<RemoteDeliveryResult> {
    return Promise.resolve({ outcome: 'permanent_failure', reason: 'remote_delivery_not_configured' });
  }
  recall(): Promise<RemoteDeliveryResult> {
    return Promise.resolve({ outcome: 'permanent_failure', reason: 'remote_delivery_not_configured' });
  }
}
