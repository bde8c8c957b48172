/**
 * A client journey written against the types that openapi-typescript generates from the served OpenAPI document
 * (test/generated-client.e2e-spec.ts generates them into .local/test/client/ and type-checks this file with
 * test/client/tsconfig.json before running it). If the document is wrong about a request body, a path parameter or a
 * response, this file stops compiling or the journey fails: what a shelter app generated from the document would meet.
 */
import createClient from 'openapi-fetch';
import type { paths } from '../../.local/test/client/lintas-api';

export interface JourneyStaff {
  caseworker: string;
  supervisor: string;
  receiver: string;
}

/** Create a case, record consent, refer it across a border, approve, and accept it on the receiving side. */
export async function clientJourney(
  baseUrl: string,
  tokens: JourneyStaff,
  receivingOrganisationId: string,
  waitForReceived: (referralId: string) => Promise<void>,
): Promise<{ caseId: string; referralId: string; status: string }> {
  const client = createClient<paths>({ baseUrl });
  const as = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });

  const created = await client.POST('/api/v1/cases', {
    ...as(tokens.caseworker),
    body: {
      person: {
        givenName: 'Journey',
        familyName: 'Example',
        gender: 'feminine',
        citizenship: ['MM'],
        languages: ['mya'],
        identityDocuments: [{ type: 'passport', number: 'JX0000001', country: 'MM' }],
      },
      traffickingStatus: 'actual',
      exploitationTypes: ['forced_criminality'],
      countryOfRecruitment: 'MM',
      countryOfExploitation: 'KH',
      protection: { riskLevel: 'high', dangerFlag: false, objectsToHomeStateNotification: false },
    },
  });
  if (!created.data) throw new Error(`case: ${created.response.status} ${JSON.stringify(created.error)}`);
  const caseId = created.data.id;

  const consent = await client.POST('/api/v1/cases/{id}/consents', {
    ...as(tokens.caseworker),
    params: { path: { id: caseId } },
    body: {
      givenBy: 'self',
      method: 'written',
      language: 'mya',
      interpreterUsed: true,
      provisions: [
        {
          effect: 'permit',
          recipientOrganisationId: receivingOrganisationId,
          purposes: ['cross_border_referral'],
          dataCategories: ['identity', 'exploitation'],
          validUntil: '2099-12-31',
        },
      ],
    },
  });
  if (!consent.data) throw new Error(`consent: ${consent.response.status}`);

  const referral = await client.POST('/api/v1/referrals', {
    ...as(tokens.caseworker),
    body: {
      caseId,
      receivingOrganisationId,
      purpose: 'cross_border_referral',
      dataCategories: ['identity', 'exploitation'],
      reason: 'Return home; family located',
    },
  });
  if (!referral.data) throw new Error(`referral: ${referral.response.status}`);
  const referralId = referral.data.id;

  const submitted = await client.POST('/api/v1/referrals/{id}/submit', {
    ...as(tokens.caseworker),
    params: { path: { id: referralId } },
    body: {},
  });
  if (!submitted.data) throw new Error(`submit: ${submitted.response.status}`);
  const approved = await client.POST('/api/v1/referrals/{id}/approve', {
    ...as(tokens.supervisor),
    params: { path: { id: referralId } },
    body: {},
  });
  if (!approved.data) throw new Error(`approve: ${approved.response.status}`);
  await waitForReceived(referralId);
  const accepted = await client.POST('/api/v1/referrals/{id}/accept', {
    ...as(tokens.receiver),
    params: { path: { id: referralId } },
    body: {},
  });
  if (!accepted.data) throw new Error(`accept: ${accepted.response.status}`);
  return { caseId, referralId, status: accepted.data.status };
}
