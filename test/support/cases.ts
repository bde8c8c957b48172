/** Case helpers for end-to-end specs: the DESIGN.md example body and a create that fails loudly. */
import { TestApi } from './app';
import { TestUser } from './factories';

/** The request body of DESIGN.md's `POST /api/v1/cases` example, verbatim. */
export function designExampleCase() {
  return {
    person: {
      givenName: 'Aye',
      familyName: 'Mya',
      dateOfBirth: '2001-04-12',
      gender: 'feminine',
      citizenship: ['MM'],
      languages: ['mya'],
      identityDocuments: [{ type: 'passport', number: 'MA1234567', country: 'MM' }],
      phone: '+66 81 000 0000',
      currentLocation: 'Mercy Shelter, Bangkok',
    },
    traffickingStatus: 'actual',
    exploitationTypes: ['forced_criminality'],
    countryOfRecruitment: 'MM',
    countryOfExploitation: 'KH',
    ageWhenTrafficked: 22,
    protection: { riskLevel: 'high', dangerFlag: false, objectsToHomeStateNotification: false },
  };
}

export async function createCase(api: TestApi, user: TestUser, body: Record<string, unknown> = designExampleCase()) {
  const res = await api.http.post('/api/v1/cases', body, user.token);
  if (res.status !== 201) throw new Error(`case create failed: ${res.status} ${res.text}`);
  return res.body as { id: string; reference: string; version: number; [k: string]: any };
}

export async function auditRows(
  api: TestApi,
  caseId: string,
): Promise<Array<{ action: string; actor_user_id: string; purpose: string | null; details: any }>> {
  return api.dataSource.query(
    `SELECT action, actor_user_id, actor_role, purpose, details FROM audit_events WHERE record_type = 'case' AND record_id = $1 ORDER BY id`,
    [caseId],
  );
}
