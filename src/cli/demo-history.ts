/**
 * Three years of fictional history for the demo, so that an auditor sees real numbers in closed periods, and a showcase
 * of the workflows in the open one: referrals in every state a single deployment can reach, restitution claims with
 * payments, a withdrawn consent that recalled a referral. Everything goes through the running API as the demo staff
 * (so consent, the disclosure gate, encryption and the audit log hold); the only SQL is the backdating of registration
 * times, which no API allows (statistics count a case in the quarter it was registered). Every name here is made up.
 *
 * Run by `npm run local` after the API and the worker are up (src/cli/seed-demo-history.ts); idempotent per part:
 * history is skipped when a case registered before this quarter exists, the showcase when a restitution claim exists.
 */
import { DEMO_PASSWORD, demoEmail } from './demo-organisations';

/** The one raw SQL helper the seed is given (the migration role's connection: it rewrites registration times). */
export type SqlRunner = (sql: string, params?: unknown[]) => Promise<Array<Record<string, unknown>>>;

/** The fields of this API's answers the seed reads (each answer has some of them). */
interface Body {
  id: string;
  status: string;
  version: number;
  accessToken: string;
  organisationId: string;
  code?: string;
}

interface Answer {
  status: number;
  body: Body;
}

/** A small HTTP client for the seed: JSON in and out, retries a 429 after the time the API asks for. */
export class DemoApi {
  constructor(private readonly baseUrl: string) {}

  async call(
    method: string,
    path: string,
    token: string | undefined,
    body?: unknown,
    expected: number[] = [200, 201],
    headers: Record<string, string> = {},
  ): Promise<Answer> {
    for (let attempt = 0; ; attempt++) {
      const res = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers: {
          ...headers,
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      const parsed = text ? (JSON.parse(text) as Body) : undefined;
      if (res.status === 429 && attempt < 10) {
        await new Promise((r) => setTimeout(r, 1000 * Number(res.headers.get('retry-after') ?? 1)));
        continue;
      }
      // The code only, never the body: an error body of this API holds no personal data, but the seed stays terse.
      if (!expected.includes(res.status))
        throw new Error(`${method} ${path.replace(/[0-9a-f-]{36}/g, ':id')} answered ${res.status} ${parsed?.code ?? ''}`);
      return { status: res.status, body: parsed ?? ({} as Body) };
    }
  }
}

type OrgKey = 'th' | 'kh' | 'mm' | 'la';
const SHELTERS: OrgKey[] = ['th', 'kh', 'mm', 'la'];
interface Staff {
  token: string;
  organisationId: string;
}
type Team = Record<OrgKey, { caseworker: Staff; supervisor: Staff }>;

export interface DemoHistoryResult {
  historyCases: number;
  quarters: number;
  showcase: boolean;
  ms: number;
}

export interface DemoHistoryOptions {
  /** Closed quarters to fill, counting back from the last closed one (default 12: three years). */
  quarters?: number;
  /** Cases in the oldest quarter; each later quarter has a few more (default 24, so every category shown is ≥ 11). */
  casesPerQuarter?: number;
  now?: Date;
  log?: (line: string) => void;
}

/** The first instant of the quarter `back` quarters before the one `now` is in (UTC). */
export function quarterStart(now: Date, back: number): Date {
  const q = Math.floor(now.getUTCMonth() / 3) - back;
  return new Date(Date.UTC(now.getUTCFullYear() + Math.floor(q / 4), (((q % 4) + 4) % 4) * 3, 1));
}

const quarterName = (start: Date) => `${start.getUTCFullYear()}-Q${Math.floor(start.getUTCMonth() / 3) + 1}`;

/**
 * One history case. Organisations take turns (case i belongs to shelter i mod 4), and each attribute shown in the
 * statistics tables takes one of two values by blocks of four cases (one per shelter), following two patterns that each
 * split a quarter's blocks about evenly (a: 0101…, b: 0110 0110…): with 24 or more cases a quarter, every value shown
 * counts at least 12 cases from all four shelters, so the tables publish it (k = 11, ≥ 3 organisations, none ≥ 80 %).
 */
export function historyCase(quarter: string, i: number) {
  const block = Math.floor(i / 4);
  const a = block % 2 === 0;
  const b = Math.floor((block + 1) / 2) % 2 === 0;
  return {
    person: {
      givenName: `Demo Person ${quarter}-${String(i + 1).padStart(2, '0')}`,
      familyName: 'Fictional',
      gender: a ? 'feminine' : 'masculine',
      citizenship: [b ? 'MM' : 'KH'],
      languages: [b ? 'mya' : 'khm'],
    },
    traffickingStatus: a ? 'actual' : 'possible',
    exploitationTypes: [b ? 'forced_criminality' : 'forced_labour'],
    meansOfControl: b ? ['withholds_documents', 'debt_bondage'] : ['excessive_working_hours'],
    recruitmentMethods: [b ? 'online_advertisement' : 'labour_broker'],
    countryOfRecruitment: b ? 'MM' : 'KH',
    countryOfExploitation: b ? 'KH' : 'TH',
    ageWhenTrafficked: a ? 25 : 19,
    protection: { riskLevel: b ? 'high' : 'medium' },
  };
}

export async function seedDemoHistory(api: DemoApi, sql: SqlRunner, options: DemoHistoryOptions = {}): Promise<DemoHistoryResult> {
  const started = Date.now();
  const log = options.log ?? (() => undefined);
  const now = options.now ?? new Date();
  const quarters = options.quarters ?? 12;
  const base = options.casesPerQuarter ?? 24;
  const team = await signIn(api);

  let historyCases = 0;
  const [{ n: older }] = await sql(`SELECT count(*)::int AS n FROM cases WHERE created_at < $1`, [quarterStart(now, 0)]);
  if (Number(older) === 0) {
    for (let back = quarters; back >= 1; back--) {
      const start = quarterStart(now, back);
      const end = quarterStart(now, back - 1);
      const name = quarterName(start);
      const n = base + 2 * (quarters - back); // a little growth, quarter by quarter
      const ids: string[] = [];
      for (let i = 0; i < n; i++) {
        const owner = team[SHELTERS[i % SHELTERS.length]].caseworker;
        const created = await api.call('POST', '/api/v1/cases', owner.token, historyCase(name, i));
        ids.push(created.body.id);
        // Older cases are mostly closed by now; closing goes through the API like any other step.
        if (back > 4 && i % 3 !== 2) {
          await api.call(
            'POST',
            `/api/v1/cases/${created.body.id}/close`,
            owner.token,
            { reason: i % 2 ? 'returned_home' : 'reintegrated' },
            [200],
          );
        }
      }
      // Spread the registrations over the quarter (the one thing the API cannot do: a case is registered when it is made).
      const span = end.getTime() - start.getTime();
      await sql(
        `UPDATE cases SET created_at = $2::timestamptz + (($3::bigint * (ord - 0.5)) / $4::int) * interval '1 millisecond',
                          updated_at = $2::timestamptz + (($3::bigint * (ord - 0.5)) / $4::int) * interval '1 millisecond'
           FROM unnest($1::uuid[]) WITH ORDINALITY AS t(id, ord) WHERE cases.id = t.id`,
        [ids, start, span, n],
      );
      historyCases += n;
      log(`${name}: ${n} cases`);
    }
  }

  // The claims are the showcase's last step: a run that stopped half way is completed by the next one.
  const [{ n: claims }] = await sql(`SELECT count(*)::int AS n FROM restitution_claims`);
  const showcase = Number(claims) === 0;
  if (showcase) await seedShowcase(api, team, now, log);
  return { historyCases, quarters: historyCases ? quarters : 0, showcase, ms: Date.now() - started };
}

async function signIn(api: DemoApi): Promise<Team> {
  const team = {} as Team;
  for (const key of SHELTERS) {
    const staff = async (role: 'caseworker' | 'supervisor'): Promise<Staff> => {
      const { body } = await api.call(
        'POST',
        '/api/v1/auth/login',
        undefined,
        { email: demoEmail(role, key), password: DEMO_PASSWORD },
        [200],
      );
      const me = await api.call('GET', '/api/v1/me', body.accessToken, undefined, [200]);
      return { token: body.accessToken, organisationId: me.body.organisationId };
    };
    team[key] = { caseworker: await staff('caseworker'), supervisor: await staff('supervisor') };
  }
  return team;
}

/** Waits (polling, never a fixed sleep) until a referral reaches the status, as the given user sees it. */
async function waitFor(api: DemoApi, token: string, id: string, status: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    // The receiver gets 404 until the worker has delivered the referral to it.
    const { status: http, body } = await api.call('GET', `/api/v1/referrals/${id}`, token, undefined, [200, 404]);
    if (http === 200 && body.status === status) return;
    if (Date.now() > deadline)
      throw new Error(`referral stayed ${http === 200 ? body.status : 'invisible'}, expected ${status}: is the worker running?`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const ymd = (d: Date) => d.toISOString().slice(0, 10);

/** Referrals from the Bangkok shelter to the Phnom Penh centre in every state one deployment reaches, claims, a withdrawal. */
async function seedShowcase(api: DemoApi, team: Team, now: Date, log: (line: string) => void): Promise<void> {
  const { caseworker: th, supervisor: thSup } = team.th;
  const kh = team.kh.caseworker;
  const newCase = async (label: string, extra: Record<string, unknown> = {}) =>
    (
      await api.call('POST', '/api/v1/cases', th.token, {
        person: { givenName: `Demo ${label}`, familyName: 'Showcase', gender: 'feminine', citizenship: ['KH'], languages: ['khm'] },
        traffickingStatus: 'actual',
        exploitationTypes: ['forced_criminality'],
        countryOfRecruitment: 'KH',
        countryOfExploitation: 'TH',
        ageWhenTrafficked: 24,
        ...extra,
      })
    ).body.id;
  const consent = async (caseId: string) =>
    (
      await api.call('POST', `/api/v1/cases/${caseId}/consents`, th.token, {
        givenBy: 'self',
        method: 'written',
        language: 'khm',
        interpreterUsed: true,
        provisions: [
          {
            effect: 'permit',
            recipientOrganisationId: kh.organisationId,
            purposes: ['cross_border_referral', 'repatriation'],
            dataCategories: ['identity', 'exploitation', 'contact'],
            validUntil: `${now.getUTCFullYear() + 2}-12-31`,
          },
        ],
      })
    ).body.id;
  const refer = async (caseId: string) =>
    (
      await api.call('POST', '/api/v1/referrals', th.token, {
        caseId,
        receivingOrganisationId: kh.organisationId,
        purpose: 'cross_border_referral',
        dataCategories: ['identity', 'exploitation'],
        reason: 'Return home to Cambodia; family found by the partner centre (demo)',
      })
    ).body.id;
  const act = (token: string, id: string, action: string, body: Record<string, unknown> = {}) =>
    api.call('POST', `/api/v1/referrals/${id}/${action}`, token, body, [200]);
  /** Through submission, supervisor approval, and the worker's delivery to the receiver. */
  const delivered = async (label: string) => {
    const caseId = await newCase(label);
    const consentId = await consent(caseId);
    const id = await refer(caseId);
    await act(th.token, id, 'submit');
    await act(thSup.token, id, 'approve');
    await waitFor(api, kh.token, id, 'received');
    return { caseId, consentId, id };
  };

  const draftCase = await newCase('Draft');
  await consent(draftCase);
  await refer(draftCase); // draft
  const submittedCase = await newCase('Submitted');
  await consent(submittedCase);
  await act(th.token, await refer(submittedCase), 'submit'); // submitted: waits for a supervisor
  const cancelledCase = await newCase('Cancelled');
  await consent(cancelledCase);
  const cancelled = await refer(cancelledCase);
  await act(th.token, cancelled, 'submit');
  await act(th.token, cancelled, 'cancel', { reason: 'The person chose to stay in Thailand for now (demo)' });
  await delivered('Received'); // received: waits for the receiver
  const rejected = await delivered('Rejected');
  await act(kh.token, rejected.id, 'reject', { reason: 'No place in the programme this month (demo)' });
  const accepted = await delivered('Accepted');
  await act(kh.token, accepted.id, 'accept');
  const inProgress = await delivered('InProgress');
  await act(kh.token, inProgress.id, 'accept');
  await act(kh.token, inProgress.id, 'start');
  await api.call(
    'POST',
    `/api/v1/referrals/${inProgress.id}/milestones/home_state_notified`,
    th.token,
    { note: 'Embassy informed (demo)' },
    [200],
  );
  const completed = await delivered('Completed');
  await act(kh.token, completed.id, 'accept');
  await act(kh.token, completed.id, 'start');
  for (const [milestone, by] of [
    ['home_state_notified', th],
    ['nationality_verified', kh],
    ['travel_documents_issued', kh],
    ['departed', th],
    ['arrived', kh],
    ['reception_confirmed', kh],
  ] as const) {
    await api.call('POST', `/api/v1/referrals/${completed.id}/milestones/${milestone}`, by.token, {}, [200]);
  }
  await act(kh.token, completed.id, 'complete');
  // A withdrawn consent: the person no longer wants the partner to hold her data; the referral that relied on it is recalled.
  const recalled = await delivered('Recalled');
  await act(kh.token, recalled.id, 'accept');
  await api.call(
    'POST',
    `/api/v1/cases/${recalled.caseId}/consents/${recalled.consentId}/withdraw`,
    th.token,
    { reason: 'Changed her mind about sharing (demo)' },
    [200],
  );
  await waitFor(api, th.token, recalled.id, 'recalled');
  log('referrals: draft, submitted, cancelled, received, rejected, accepted, in_progress, completed, recalled');

  // Restitution: one claim partly paid, one paid in full, one still being prepared.
  const claimCase = await newCase('Claimant');
  const today = ymd(now);
  const monthAgo = ymd(new Date(now.getTime() - 30 * 86_400_000));
  const claim = async (body: Record<string, unknown>) =>
    (await api.call('POST', `/api/v1/cases/${claimCase}/restitution-claims`, th.token, body, [201])).body;
  const award = async (id: string, amountMinor: number) => {
    const current = await api.call('GET', `/api/v1/restitution-claims/${id}`, th.token, undefined, [200]);
    const ifMatch = { 'if-match': `"${current.body.version}"` };
    await api.call(
      'PATCH',
      `/api/v1/restitution-claims/${id}`,
      th.token,
      { status: 'awarded', awarded: { currency: 'THB', amountMinor }, awardedAt: monthAgo },
      [200],
      ifMatch,
    );
  };
  const pay = (id: string, amountMinor: number, payer: string) =>
    api.call(
      'POST',
      `/api/v1/restitution-claims/${id}/payments`,
      th.token,
      { amount: { currency: 'THB', amountMinor }, paidAt: today, payer, method: 'bank_transfer' },
      [200, 201],
    );
  const partly = await claim({
    route: 'criminal_restitution_order',
    jurisdiction: 'TH',
    forum: 'Criminal Court (demo)',
    claimed: { currency: 'THB', amountMinor: 15_000_000 },
    filedAt: monthAgo,
  });
  await award(partly.id, 5_000_000);
  await pay(partly.id, 2_000_000, 'offender');
  const full = await claim({
    route: 'labour_back_pay',
    jurisdiction: 'TH',
    forum: 'Labour Court (demo)',
    claimed: { currency: 'THB', amountMinor: 4_200_000 },
    filedAt: monthAgo,
  });
  await award(full.id, 4_200_000);
  await pay(full.id, 4_200_000, 'employer');
  await claim({
    route: 'state_compensation_fund',
    jurisdiction: 'TH',
    claimed: { currency: 'THB', amountMinor: 3_000_000 },
    filingDeadline: ymd(new Date(now.getTime() + 60 * 86_400_000)),
  });
  log('restitution: a claim partly paid, one paid, one in preparation');
}
