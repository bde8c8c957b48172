/**
 * The drill's load: "stories" started at a steady, bounded rate, each the life of one fictional case as two
 * organisations on one deployment handle it: the sending shelter records the case and the person's consent, refers it
 * to a partner shelter in another country (submit, supervisor's approval: cross-border), the worker delivers it locally,
 * the partner accepts it; the sender opens a restitution claim, records the award and two payments. Every write is
 * acknowledged or retried by the client (client.ts); what was acknowledged is recorded here for the checks.
 * All names and numbers are invented.
 */
import { DrillClient, DrillError, Session } from './client';

export interface Sides {
  senderOrgId: string;
  receiverOrgId: string;
  caseworker: Session;
  supervisor: Session;
  partner: Session;
}

/** What the API acknowledged (2xx), by id. */
export interface Acks {
  cases: string[];
  consents: string[];
  referrals: string[];
  approved: string[];
  accepted: string[];
  claims: string[];
  payments: string[];
}

export const emptyAcks = (): Acks => ({ cases: [], consents: [], referrals: [], approved: [], accepted: [], claims: [], payments: [] });

const CATEGORIES = ['exploitation', 'immigration', 'legal'];
const GIVEN = ['Aye', 'Thida', 'Noy', 'Sokha', 'Ploy', 'Hnin'];
const FAMILY = ['Win', 'Htun', 'Keo', 'Chan', 'Srisuk', 'Lwin'];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function caseBody(n: number) {
  return {
    person: {
      givenName: GIVEN[n % GIVEN.length],
      familyName: FAMILY[(n >> 3) % FAMILY.length],
      dateOfBirth: `${1990 + (n % 15)}-0${1 + (n % 9)}-1${n % 10}`,
      gender: n % 2 ? 'feminine' : 'masculine',
      citizenship: ['MM'],
      languages: ['mya'],
      currentLocation: 'Drill shelter, Bangkok',
    },
    traffickingStatus: 'actual',
    exploitationTypes: ['forced_labour'],
    countryOfRecruitment: 'MM',
    countryOfExploitation: 'TH',
    protection: { riskLevel: 'medium', dangerFlag: false, objectsToHomeStateNotification: false },
  };
}

export class Load {
  readonly acks = emptyAcks();
  /** Stories that ended on an error (a refused request, or no acknowledgement before the give-up time). */
  readonly failures: string[] = [];
  private running = false;
  private inFlight = 0;
  private started = 0;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly client: DrillClient,
    private readonly sides: Sides,
    private readonly storiesPerSecond = Number(process.env.DRILL_STORIES_PER_SECOND ?? 2.5),
    private readonly maxInFlight = Number(process.env.DRILL_MAX_IN_FLIGHT ?? 60),
  ) {}

  get storiesStarted(): number {
    return this.started;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.timer = setInterval(() => {
      if (this.inFlight >= this.maxInFlight) return;
      this.inFlight++;
      const n = this.started++;
      this.story(n)
        .catch((err: unknown) => this.failures.push(err instanceof DrillError ? err.message : String(err)))
        .finally(() => this.inFlight--);
    }, 1000 / this.storiesPerSecond);
  }

  /** Stops starting stories and waits (bounded) for those under way to end. Answers whether they all ended. */
  async stop(timeoutMs = 180000): Promise<boolean> {
    this.running = false;
    clearInterval(this.timer);
    const deadline = Date.now() + timeoutMs;
    while (this.inFlight > 0 && Date.now() < deadline) await sleep(100);
    return this.inFlight === 0;
  }

  private async story(n: number): Promise<void> {
    const { caseworker, supervisor, partner } = this.sides;
    const c = this.client;
    const kase = await c.call(caseworker, 'POST', '/api/v1/cases', 'POST /cases', caseBody(n), { idempotent: true });
    const caseId: string = kase.body.id;
    this.acks.cases.push(caseId);

    const consent = await c.call(
      caseworker,
      'POST',
      `/api/v1/cases/${caseId}/consents`,
      'POST /cases/{id}/consents',
      {
        givenBy: 'self',
        method: 'written',
        language: 'mya',
        interpreterUsed: true,
        provisions: [
          {
            effect: 'permit',
            recipientOrganisationId: this.sides.receiverOrgId,
            purposes: ['cross_border_referral'],
            dataCategories: CATEGORIES,
            validUntil: '2099-12-31',
          },
        ],
      },
      { idempotent: true },
    );
    this.acks.consents.push(consent.body.id);

    const referral = await c.call(
      caseworker,
      'POST',
      '/api/v1/referrals',
      'POST /referrals',
      {
        caseId,
        receivingOrganisationId: this.sides.receiverOrgId,
        purpose: 'cross_border_referral',
        dataCategories: CATEGORIES,
        reason: 'Drill: reintegration support in the home country',
      },
      { idempotent: true },
    );
    const referralId: string = referral.body.id;
    this.acks.referrals.push(referralId);
    await c.call(caseworker, 'POST', `/api/v1/referrals/${referralId}/submit`, 'POST /referrals/{id}/submit', {}, { idempotent: true });
    await c.call(supervisor, 'POST', `/api/v1/referrals/${referralId}/approve`, 'POST /referrals/{id}/approve', {}, { idempotent: true });
    this.acks.approved.push(referralId);

    // Restitution while the worker delivers the referral.
    const claim = await c.call(
      caseworker,
      'POST',
      `/api/v1/cases/${caseId}/restitution-claims`,
      'POST /cases/{id}/restitution-claims',
      {
        route: 'criminal_restitution_order',
        jurisdiction: 'TH',
        forum: 'Criminal Court, Bangkok',
        claimed: { currency: 'THB', amountMinor: 1500000 },
        filedAt: '2026-09-01',
      },
      { idempotent: true },
    );
    const claimId: string = claim.body.id;
    this.acks.claims.push(claimId);
    await this.award(claimId, claim.headers.get('etag') ?? '');
    for (const [i, amount] of [400000, 250000].entries()) {
      const payment = await c.call(
        caseworker,
        'POST',
        `/api/v1/restitution-claims/${claimId}/payments`,
        'POST /restitution-claims/{id}/payments',
        { amount: { currency: 'THB', amountMinor: amount }, paidAt: `2026-11-0${i + 1}`, payer: 'offender', method: 'bank_transfer' },
        { idempotent: true },
      );
      this.acks.payments.push(payment.body.payment?.id ?? payment.body.id);
    }

    // The partner accepts once the worker has delivered (bounded wait; the checks count deliveries in the database).
    const deadline = Date.now() + 120000;
    while (Date.now() < deadline) {
      const seen = await c.call(partner, 'GET', `/api/v1/referrals/${referralId}`, 'GET /referrals/{id}', undefined, {
        accept: (s) => s === 404, // not delivered yet: the partner does not see it
      });
      if (seen.status === 200 && seen.body.status === 'received') break;
      await sleep(500);
    }
    await c.call(partner, 'POST', `/api/v1/referrals/${referralId}/accept`, 'POST /referrals/{id}/accept', {}, { idempotent: true });
    this.acks.accepted.push(referralId);
  }

  /** PATCH with If-Match: a retry after a lost answer meets 412, and reads the claim to see whether the award stands. */
  private async award(claimId: string, etag: string): Promise<void> {
    const c = this.client;
    const res = await c.call(
      this.sides.caseworker,
      'PATCH',
      `/api/v1/restitution-claims/${claimId}`,
      'PATCH /restitution-claims/{id}',
      { status: 'awarded', awarded: { currency: 'THB', amountMinor: 1000000 } },
      { headers: { 'if-match': etag }, accept: (s) => s === 412 },
    );
    if (res.status === 412) {
      const now = await c.call(this.sides.caseworker, 'GET', `/api/v1/restitution-claims/${claimId}`, 'GET /restitution-claims/{id}');
      if (now.body.status !== 'awarded') throw new DrillError(`claim not awarded after 412 (status ${now.body.status})`);
    }
  }
}
