import { INestApplicationContext } from '@nestjs/common';
import { createCase } from './support/cases';
import { eventually } from './support/app';
import { organisationWithStaff, TestUser } from './support/factories';
import { registerEachOther, startTwoNodes, TestNode, TwoNodes } from './support/two-nodes';

/**
 * Restitution that follows the survivor to another deployment (issue 15, items 1–3; docs/restitution.md, "Across
 * borders"). A Thai shelter on deployment A refers a case with a claim to a Cambodian organisation on deployment B:
 * the claim travels only with consent for `restitution` / `restitution_claim`; payments recorded on either side reach
 * the other (also when both sides recorded while their workers were down); both ledgers end equal; responsibility moves
 * to B; a consent withdrawal recalls the referral and B's copy of the claims with it.
 */
describe('restitution across two deployments (e2e)', () => {
  let nodes: TwoNodes;
  type Staff = Awaited<ReturnType<typeof organisationWithStaff>>;
  let th: Staff;
  let kh: Staff;
  /** B's Cambodian organisation as registered on A. */
  let khOnA: string;
  let workerA: INestApplicationContext | null = null;
  let workerB: INestApplicationContext | null = null;

  const TIMEOUT = 20_000;
  const CANARY_FORUM = 'Criminal Court, Bangkok (canary 7c1f)';

  beforeAll(async () => {
    nodes = await startTwoNodes();
    const { a, b } = nodes;
    [th, kh] = await Promise.all([
      organisationWithStaff(a.api, a.admin, { country: 'TH' }),
      organisationWithStaff(b.api, b.admin, { country: 'KH' }),
    ]);
    khOnA = await registerEachOther(nodes, { org: th.org, country: 'TH' }, { org: kh.org, country: 'KH' });
    await startWorkers();
  }, 60_000);
  afterAll(() => nodes?.close());

  /** One after the other: a worker reads its node's environment while it starts. */
  async function startWorkers(): Promise<void> {
    workerA = await nodes.a.startWorker();
    workerB = await nodes.b.startWorker();
  }

  /** A case on A with a claim awarded 50,000.00 THB; consent for the referral, and for restitution when asked. */
  async function caseWithClaim(withRestitutionConsent: boolean) {
    const { a } = nodes;
    const kase = await createCase(a.api, th.caseworker);
    const provisions: Record<string, unknown>[] = [
      {
        effect: 'permit',
        recipientOrganisationId: khOnA,
        purposes: ['cross_border_referral'],
        dataCategories: ['identity', 'exploitation'],
        validUntil: '2099-06-30',
      },
    ];
    if (withRestitutionConsent)
      provisions.push({
        effect: 'permit',
        recipientOrganisationId: khOnA,
        purposes: ['restitution_claim'],
        dataCategories: ['restitution'],
        validUntil: '2099-06-30',
      });
    const consent = await a.api.http.post(
      `/api/v1/cases/${kase.id}/consents`,
      { givenBy: 'self', method: 'written', language: 'khm', interpreterUsed: true, provisions },
      th.caseworker.token,
    );
    expect(consent.status).toBe(201);
    const created = await a.api.http.post(
      `/api/v1/cases/${kase.id}/restitution-claims`,
      {
        route: 'criminal_restitution_order',
        jurisdiction: 'TH',
        forum: CANARY_FORUM,
        claimed: { currency: 'THB', amountMinor: 15000000 },
        filedAt: '2026-09-01',
      },
      th.caseworker.token,
    );
    expect(created.status).toBe(201);
    const awarded = await a.api.http.patch(
      `/api/v1/restitution-claims/${created.body.id}`,
      { status: 'awarded', awarded: { currency: 'THB', amountMinor: 5000000 }, paymentDueAt: '2099-01-31' },
      th.caseworker.token,
      { 'if-match': created.headers.get('etag')! },
    );
    expect(awarded.status).toBe(200);
    return { caseId: kase.id, consentId: consent.body.id as string, claimId: created.body.id as string };
  }

  /** Referred from A to B's organisation and delivered; answers both sides' referral ids. */
  async function referred(caseId: string): Promise<{ id: string; idOnB: string }> {
    const { a, b } = nodes;
    const created = await a.api.http.post(
      '/api/v1/referrals',
      {
        caseId,
        receivingOrganisationId: khOnA,
        purpose: 'cross_border_referral',
        dataCategories: ['identity', 'exploitation'],
        reason: 'Return to Cambodia; family located',
      },
      th.caseworker.token,
    );
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    expect((await a.api.http.post(`/api/v1/referrals/${id}/submit`, {}, th.caseworker.token)).status).toBe(200);
    expect((await a.api.http.post(`/api/v1/referrals/${id}/approve`, {}, th.supervisor.token)).status).toBe(200);
    const idOnB = await eventually(async () => {
      const rows = await b.api.dataSource.query(`SELECT referral_id FROM federation_inbound_referrals WHERE remote_referral_id = $1`, [id]);
      return rows[0]?.referral_id as string | undefined;
    }, TIMEOUT);
    return { id, idOnB };
  }

  const copiesOnB = async (idOnB: string, user: TestUser = kh.caseworker) => {
    const res = await nodes.b.api.http.get(`/api/v1/referrals/${idOnB}/restitution-claims`, user.token);
    expect(res.status).toBe(200);
    return res.body.items as Array<Record<string, any>>;
  };
  const claimOnA = async (claimId: string) =>
    (await nodes.a.api.http.get(`/api/v1/restitution-claims/${claimId}`, th.caseworker.token)).body;
  const ledgerOnA = async (claimId: string) =>
    (await nodes.a.api.http.get(`/api/v1/restitution-claims/${claimId}/payments`, th.caseworker.token)).body.items as Array<
      Record<string, any>
    >;
  const payment = (amountMinor: number, paidAt: string) => ({
    amount: { currency: 'THB', amountMinor },
    paidAt,
    payer: 'offender',
    method: 'bank_transfer',
  });
  /** What both sides must agree on: the entries (id, kind, amount) and the totals. */
  const ledgerKey = (items: Array<Record<string, any>>) =>
    items.map((p) => `${p.id}:${p.kind}:${p.amount.currency}:${p.amount.amountMinor}:${p.reversesPaymentId ?? ''}`).sort();

  it('a claim travels with consent for restitution_claim, sealed on B; without that consent it does not', async () => {
    const { a, b } = nodes;
    const withConsent = await caseWithClaim(true);
    const without = await caseWithClaim(false);
    const [carried, notCarried] = [await referred(withConsent.caseId), await referred(without.caseId)];

    const [copy] = await eventually(async () => {
      const items = await copiesOnB(carried.idOnB);
      return items.length === 1 ? items : undefined;
    }, TIMEOUT);
    expect(copy).toMatchObject({
      claimId: withConsent.claimId,
      referralId: carried.idOnB,
      route: 'criminal_restitution_order',
      jurisdiction: 'TH',
      forum: CANARY_FORUM,
      status: 'awarded',
      claimed: { currency: 'THB', amountMinor: 15000000 },
      awarded: { currency: 'THB', amountMinor: 5000000 },
      paid: [],
      outstanding: [{ currency: 'THB', amountMinor: 5000000 }],
      paymentDueAt: '2099-01-31',
      responsible: 'partner',
      survivorContact: null,
      payments: [],
    });
    // Sealed like the packet: the forum is not in the stored bytes.
    const [row] = await b.api.dataSource.query(`SELECT sealed FROM restitution_claim_copies WHERE referral_id = $1`, [carried.idOnB]);
    expect((row.sealed as Buffer).includes(Buffer.from('canary 7c1f'))).toBe(false);
    // Without the consent: the referral went, the claim did not.
    expect(await copiesOnB(notCarried.idOnB)).toEqual([]);
    const [{ n }] = await b.api.dataSource.query(`SELECT count(*)::int AS n FROM restitution_claim_copies WHERE referral_id = $1`, [
      notCarried.idOnB,
    ]);
    expect(n).toBe(0);
    // Another organisation on B does not see B's copy.
    const other = await organisationWithStaff(b.api, b.admin, { country: 'KH' });
    expect((await b.api.http.get(`/api/v1/referrals/${carried.idOnB}/restitution-claims`, other.caseworker.token)).status).toBe(404);
    // The claim not carried cannot be handed to B's organisation: B would never hear of it.
    const move = await a.api.http.post(
      `/api/v1/restitution-claims/${without.claimId}/responsibility`,
      { responsibleOrganisationId: khOnA },
      th.supervisor.token,
    );
    expect(move.status).toBe(400);
    expect(move.body).toMatchObject({ code: 'RESTITUTION_ORGANISATION_INVALID', details: { problem: 'remote_organisation' } });
  }, 90_000);

  it('one ledger on two sides: payments from each side (also while apart) reach the other; responsibility moves to B; a recall removes the copy', async () => {
    const { a, b } = nodes;
    const { caseId, consentId, claimId } = await caseWithClaim(true);
    const { id, idOnB } = await referred(caseId);
    await eventually(async () => (await copiesOnB(idOnB)).length === 1, TIMEOUT);

    // The claim stays with A; B's organisation becomes the survivor's contact for payout.
    const contact = await a.api.http.post(
      `/api/v1/restitution-claims/${claimId}/responsibility`,
      { survivorContactOrganisationId: khOnA },
      th.supervisor.token,
    );
    expect(contact.status).toBe(200);
    await eventually(async () => (await copiesOnB(idOnB))[0].survivorContact === 'here', TIMEOUT);

    // A payment recorded on A appears on B.
    const onA = await a.api.http.post(
      `/api/v1/restitution-claims/${claimId}/payments`,
      payment(2000000, '2026-11-01'),
      th.caseworker.token,
    );
    expect(onA.status).toBe(201);
    await eventually(async () => (await copiesOnB(idOnB))[0].payments.some((p: { id: string }) => p.id === onA.body.payment.id), TIMEOUT);

    // A payment recorded on B (the survivor received it at home) appears on A, and B's copy confirms it.
    const onB = await b.api.http.post(
      `/api/v1/referrals/${idOnB}/restitution-claims/${claimId}/payments`,
      { ...payment(1000000, '2026-11-15'), recipientCountry: 'KH' },
      kh.caseworker.token,
    );
    expect(onB.status).toBe(201);
    expect(onB.body).toMatchObject({ paid: [{ currency: 'THB', amountMinor: 3000000 }], status: 'partially_paid' });
    expect(onB.body.payments.find((p: { id: string }) => p.id !== onA.body.payment.id)).toMatchObject({
      recordedBy: 'here',
      pending: true,
    });
    const bPaymentId = (onB.body.payments as Array<{ id: string; recordedBy: string }>).find((p) => p.recordedBy === 'here')!.id;
    await eventually(async () => (await ledgerOnA(claimId)).some((p) => p.id === bPaymentId), TIMEOUT);
    expect((await ledgerOnA(claimId)).find((p) => p.id === bPaymentId)).toMatchObject({
      amount: { currency: 'THB', amountMinor: 1000000 },
      recipientCountry: 'KH',
      recordedByOrganisationId: khOnA,
    });
    // A payment B recorded is corrected on B, not on A.
    const wrongSide = await a.api.http.post(
      `/api/v1/restitution-claims/${claimId}/payments`,
      { reversesPaymentId: bPaymentId, reason: 'Not ours to reverse' },
      th.caseworker.token,
    );
    expect(wrongSide.status).toBe(400);
    expect(wrongSide.body.details).toMatchObject({ problem: 'recorded_by_partner' });

    // Apart: neither worker runs, each side records a payment, then the workers come back. Nothing is lost.
    await Promise.all([workerA!.close(), workerB!.close()]);
    const apartA = await a.api.http.post(
      `/api/v1/restitution-claims/${claimId}/payments`,
      payment(500000, '2026-12-01'),
      th.caseworker.token,
    );
    const apartB = await b.api.http.post(
      `/api/v1/referrals/${idOnB}/restitution-claims/${claimId}/payments`,
      payment(250000, '2026-12-02'),
      kh.caseworker.token,
    );
    expect([apartA.status, apartB.status]).toEqual([201, 201]);
    await startWorkers();

    // Both ledgers equal once the events are delivered: the same entries, the same paid and outstanding per currency.
    const final = await eventually(
      async () => {
        const [claim, copy] = [await claimOnA(claimId), (await copiesOnB(idOnB))[0]];
        const done = copy.version === claim.version && copy.payments.every((p: { pending: boolean }) => !p.pending);
        return done && claim.paid[0]?.amountMinor === 3750000 ? { claim, copy } : undefined;
      },
      TIMEOUT,
      250,
    );
    expect(ledgerKey(final.copy.payments)).toEqual(ledgerKey(await ledgerOnA(claimId)));
    expect(final.copy.payments).toHaveLength(4);
    expect({ paid: final.copy.paid, outstanding: final.copy.outstanding, status: final.copy.status }).toEqual({
      paid: final.claim.paid,
      outstanding: final.claim.outstanding,
      status: final.claim.status,
    });
    expect(final.claim).toMatchObject({ status: 'partially_paid', outstanding: [{ currency: 'THB', amountMinor: 1250000 }] });

    // Responsibility moves to B's organisation: B pursues the claim, A may no longer change it.
    const moved = await a.api.http.post(
      `/api/v1/restitution-claims/${claimId}/responsibility`,
      { responsibleOrganisationId: khOnA },
      th.supervisor.token,
    );
    expect(moved.status).toBe(200);
    await eventually(async () => (await copiesOnB(idOnB))[0].responsible === 'here', TIMEOUT);
    const refused = await a.api.http.patch(`/api/v1/restitution-claims/${claimId}`, { forumCaseNumber: 'KH-2026-1' }, th.caseworker.token, {
      'if-match': `"${moved.body.claim?.version ?? (await claimOnA(claimId)).version}"`,
    });
    expect([403, 404]).toContain(refused.status);

    // While a restriction notice from A stands on B, B neither changes its copy nor records a payment on it (both answers
    // would show the claim): 403 CASE_RESTRICTED and nothing kept. The notice itself travels in rights-restriction.e2e.
    const heldBefore = (await copiesOnB(idOnB))[0];
    await b.api.dataSource.query(`UPDATE federation_inbound_referrals SET sender_restricted_at = now() WHERE referral_id = $1`, [idOnB]);
    const restrictedChange = await b.api.http.patch(
      `/api/v1/referrals/${idOnB}/restitution-claims/${claimId}`,
      { forumCaseNumber: 'KH-2026-2' },
      kh.caseworker.token,
      { 'if-match': `"${heldBefore.version}"` },
    );
    const restrictedPayment = await b.api.http.post(
      `/api/v1/referrals/${idOnB}/restitution-claims/${claimId}/payments`,
      { ...payment(1000, '2026-11-20'), recipientCountry: 'KH' },
      kh.caseworker.token,
    );
    expect([restrictedChange.status, restrictedChange.body.code]).toEqual([403, 'CASE_RESTRICTED']);
    expect([restrictedPayment.status, restrictedPayment.body.code]).toEqual([403, 'CASE_RESTRICTED']);
    await b.api.dataSource.query(`UPDATE federation_inbound_referrals SET sender_restricted_at = NULL WHERE referral_id = $1`, [idOnB]);
    const heldAfter = (await copiesOnB(idOnB))[0];
    expect([heldAfter.version, heldAfter.payments.length, heldAfter.pendingChange ?? null]).toEqual([
      heldBefore.version,
      heldBefore.payments.length,
      heldBefore.pendingChange ?? null,
    ]);

    // The person withdraws consent on A: the referral is recalled and B's copy of the claim goes with the packet.
    const withdrawn = await a.api.http.post(
      `/api/v1/cases/${caseId}/consents/${consentId}/withdraw`,
      { reason: 'Changed her mind' },
      th.caseworker.token,
    );
    expect(withdrawn.status).toBe(200);
    await eventually(
      async () => (await b.api.http.get(`/api/v1/referrals/${idOnB}`, kh.caseworker.token)).body.status === 'recalled',
      TIMEOUT,
    );
    const [{ n }] = await b.api.dataSource.query(`SELECT count(*)::int AS n FROM restitution_claim_copies WHERE referral_id = $1`, [idOnB]);
    expect(n).toBe(0);
    expect(await copiesOnB(idOnB)).toEqual([]);
    expect(await statusOf(a, id)).toBe('recalled');
  }, 120_000);

  const statusOf = async (node: TestNode, id: string) =>
    (await node.api.http.get(`/api/v1/referrals/${id}`, th.caseworker.token)).body.status;
});
