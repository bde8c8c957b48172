import { claimRecipients, ResponsibilityRow } from './claim-recipients';

const OWNER = 'owner';
const at = (minute: number) => new Date(Date.UTC(2026, 10, 30, 10, minute));
const row = (over: Partial<ResponsibilityRow> & { minute: number }): ResponsibilityRow => ({
  claimId: 'claim-1',
  responsibleOrganisationId: OWNER,
  survivorContactOrganisationId: null,
  cause: 'claim_created',
  createdAt: at(over.minute),
  ...over,
});

describe('claimRecipients', () => {
  it('lists the organisations a claim went to, with their periods; never the owner', () => {
    const rows = [
      row({ minute: 0 }),
      row({ minute: 1, responsibleOrganisationId: 'c', cause: 'responsibility_moved' }),
      row({ minute: 2, responsibleOrganisationId: 'c', survivorContactOrganisationId: 'd', cause: 'survivor_contact_recorded' }),
      row({ minute: 3, responsibleOrganisationId: OWNER, survivorContactOrganisationId: 'd', cause: 'responsibility_moved' }),
    ];
    expect(claimRecipients(rows, OWNER)).toEqual([
      {
        claimId: 'claim-1',
        organisationId: 'c',
        role: 'responsible',
        cause: 'responsibility_moved',
        from: at(1).toISOString(),
        until: at(3).toISOString(),
      },
      {
        claimId: 'claim-1',
        organisationId: 'd',
        role: 'survivor_contact',
        cause: 'survivor_contact_recorded',
        from: at(2).toISOString(),
        until: null,
      },
    ]);
  });

  it('keeps claims apart and answers nothing when only the owner held them', () => {
    expect(claimRecipients([row({ minute: 0 }), row({ minute: 1, claimId: 'claim-2' })], OWNER)).toEqual([]);
    const two = claimRecipients(
      [row({ minute: 0, responsibleOrganisationId: 'c' }), row({ minute: 1, claimId: 'claim-2', responsibleOrganisationId: 'c' })],
      OWNER,
    );
    expect(two.map((r) => [r.claimId, r.until])).toEqual([
      ['claim-1', null],
      ['claim-2', null],
    ]);
  });
});
