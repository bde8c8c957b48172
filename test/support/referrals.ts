/** Referral helpers for end-to-end specs: consents that permit a referral, and a referral moved through its steps. */
import { eventually, TestApi } from './app';
import { TestUser } from './factories';

export async function permitConsent(
  api: TestApi,
  user: TestUser,
  caseId: string,
  recipientOrganisationId: string,
  dataCategories: string[],
  purposes: string[] = ['cross_border_referral'],
  effect: 'permit' | 'deny' = 'permit',
): Promise<string> {
  const res = await api.http.post(
    `/api/v1/cases/${caseId}/consents`,
    {
      givenBy: 'self',
      method: 'written',
      language: 'mya',
      interpreterUsed: true,
      provisions: [{ effect, recipientOrganisationId, purposes, dataCategories, validUntil: '2099-12-31' }],
    },
    user.token,
  );
  if (res.status !== 201) throw new Error(`consent create failed: ${res.status} ${res.text}`);
  return res.body.id;
}

export async function createReferral(api: TestApi, user: TestUser, body: Record<string, unknown>) {
  const res = await api.http.post(
    '/api/v1/referrals',
    { purpose: 'cross_border_referral', reason: 'Return to Myanmar; family located', ...body },
    user.token,
  );
  if (res.status !== 201) throw new Error(`referral create failed: ${res.status} ${res.text}`);
  return res.body as { id: string; status: string; crossBorder: boolean; [k: string]: any };
}

export async function act(api: TestApi, user: TestUser, id: string, action: string, body: Record<string, unknown> = {}, expected = 200) {
  const res = await api.http.post(`/api/v1/referrals/${id}/${action}`, body, user.token);
  if (res.status !== expected) throw new Error(`${action} answered ${res.status} ${res.text}`);
  return res.body;
}

/** Waits (the worker delivers in the background) until the referral reaches the status, as the given user sees it. */
export async function waitForStatus(api: TestApi, user: TestUser, id: string, status: string, timeoutMs = 20000) {
  return eventually(async () => {
    const res = await api.http.get(`/api/v1/referrals/${id}`, user.token);
    return res.status === 200 && res.body.status === status ? res.body : undefined;
  }, timeoutMs);
}
