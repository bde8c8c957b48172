import { parseMoment } from './consent-dates';
import { normaliseProvisions } from './consent-provisions';
import { ConsentProvisionDto } from './dto/consent.dto';

describe('consent periods', () => {
  it.each([
    ['2027-06-30', 'start', '2027-06-30T00:00:00.000Z'],
    ['2027-06-30', 'end', '2027-06-30T23:59:59.999Z'],
    ['2027-06-30T18:00:00+07:00', 'end', '2027-06-30T11:00:00.000Z'],
    ['2027-06-30T18:00Z', 'start', '2027-06-30T18:00:00.000Z'],
    ['2028-02-29', 'end', '2028-02-29T23:59:59.999Z'],
  ] as const)('%s (%s) is %s', (value, edge, expected) => {
    expect(parseMoment(value, edge)?.toISOString()).toBe(expected);
  });

  it.each(['2027-02-30', '2027-02-30T10:00:00Z', '2027-06-30T10:00:00', '2027-06-30T25:00:00Z', '30/06/2027', '', 20270630, null])(
    'refuses %p',
    (value) => {
      expect(parseMoment(value, 'start')).toBeNull();
    },
  );

  const provision = (over: Partial<ConsentProvisionDto>): ConsentProvisionDto => ({
    effect: 'permit',
    recipientOrganisationId: '6f1c7c56-1c3b-4b8e-9a4e-1f0b2c3d4e5f',
    purposes: ['cross_border_referral'],
    dataCategories: ['identity'],
    validUntil: '2027-06-30',
    ...over,
  });
  const now = new Date('2027-01-01T00:00:00Z');

  it('defaults validFrom to the moment of recording and reads dates as whole UTC days', () => {
    const { provisions, problems } = normaliseProvisions([provision({}), provision({ validFrom: '2027-03-01' })], now);
    expect(problems).toEqual([]);
    expect(provisions.map((p) => [p.position, p.validFrom.toISOString(), p.validUntil.toISOString()])).toEqual([
      [0, '2027-01-01T00:00:00.000Z', '2027-06-30T23:59:59.999Z'],
      [1, '2027-03-01T00:00:00.000Z', '2027-06-30T23:59:59.999Z'],
    ]);
  });

  it('a one-day period (validFrom and validUntil the same date) is valid', () => {
    expect(normaliseProvisions([provision({ validFrom: '2027-06-30' })], now).problems).toEqual([]);
  });

  it('names each problem by its field', () => {
    const { problems } = normaliseProvisions(
      [
        provision({ recipientCountry: 'MM' }),
        provision({ recipientOrganisationId: undefined }),
        provision({ validUntil: '2026-12-31' }),
        provision({ validFrom: '2027-07-01' }),
      ],
      now,
    );
    expect(problems).toEqual([
      { field: 'provisions.0.recipient', errors: ['give exactly one of recipientOrganisationId and recipientCountry'] },
      { field: 'provisions.1.recipient', errors: ['give exactly one of recipientOrganisationId and recipientCountry'] },
      { field: 'provisions.2.validUntil', errors: ['validUntil must be in the future'] },
      { field: 'provisions.3.validFrom', errors: ['validFrom must not be later than validUntil'] },
    ]);
  });
});
