import { DomainError } from './domain-error';
import { toErrorBody } from './http-exception.filter';
import { errorLanguage, localiseErrorBody } from './localise';
import { LABELS } from '../vocabulary/labels';

describe('localiseErrorBody', () => {
  const validation = toErrorBody(
    new DomainError('VALIDATION_FAILED', 'Validation failed', [{ field: 'email', constraints: ['isEmail'] }]),
    'c-1',
  );

  it('keeps the English message as thrown', () => {
    expect(localiseErrorBody(validation, 'en')).toBe(validation);
  });

  it('answers the code’s message in another language, and never changes the code, the status or the details', () => {
    const th = localiseErrorBody(validation, 'th');
    expect(th).toEqual({ ...validation, message: LABELS.th.errors.VALIDATION_FAILED });
    expect(th.details).toBe(validation.details);
  });

  it('leaves a body whose code it does not know as it is', () => {
    const odd = { statusCode: 418, code: 'NOT_A_CODE', message: 'x', correlationId: 'c' };
    expect(localiseErrorBody(odd, 'km')).toBe(odd);
  });

  it('takes the language from Accept-Language', () => {
    expect(errorLanguage({ 'accept-language': 'fr;q=1, lo;q=0.4' })).toBe('lo');
    expect(errorLanguage({})).toBe('en');
  });
});
