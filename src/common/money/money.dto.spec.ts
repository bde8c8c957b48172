/**
 * MoneyDto over HTTP: a throwaway controller in a Nest app on Fastify with the same JSON parser, validation pipe and
 * error filter as createApiApp, so the status, code and body are what a client of a money endpoint will get.
 */
import 'reflect-metadata';
import { Body, Controller, Module, Post } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { ApiProperty, ApiPropertyOptional, DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { IsOptional } from 'class-validator';
import { HttpExceptionFilter } from '../errors/http-exception.filter';
import { registerJsonBodyParser } from '../http/json-body';
import { createValidationPipe } from '../http/validation';
import { formatMoney, toMoneyJson } from './money';
import { IsMoney, MoneyDto, moneyFromDto } from './money.dto';

class RecordPaymentBody {
  @ApiProperty({ type: MoneyDto }) @IsMoney() amount: MoneyDto;
  @ApiPropertyOptional({ type: MoneyDto }) @IsOptional() @IsMoney() fee?: MoneyDto;
}

@Controller('payments')
class PaymentsProbeController {
  @Post()
  record(@Body() body: RecordPaymentBody) {
    const amount = moneyFromDto(body.amount);
    return { amount: toMoneyJson(amount), text: formatMoney(amount), isBigint: typeof amount.amountMinor === 'bigint' };
  }
}

@Module({ controllers: [PaymentsProbeController] })
class ProbeModule {}

describe('MoneyDto over HTTP', () => {
  let app: NestFastifyApplication;

  beforeAll(async () => {
    app = await NestFactory.create<NestFastifyApplication>(ProbeModule, new FastifyAdapter(), { logger: false, bodyParser: false });
    registerJsonBodyParser(app.getHttpAdapter().getInstance(), 1024 * 1024);
    app.useGlobalPipes(createValidationPipe());
    app.useGlobalFilters(new HttpExceptionFilter());
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
  });
  afterAll(() => app.close());

  /** The body of a success (amount, text) or of an error (code, details, correlationId), as a client reads it. */
  interface ProbeResponseBody {
    amount?: unknown;
    text?: string;
    code?: string;
    details?: Array<{ field: string; code?: string; errors: string[] }>;
    correlationId?: unknown;
  }

  const post = async (payload: string) => {
    const res = await app.inject({ method: 'POST', url: '/payments', headers: { 'content-type': 'application/json' }, payload });
    return { status: res.statusCode, body: res.json<ProbeResponseBody>() };
  };

  it('accepts a JSON integer and answers in the wire shape', async () => {
    const res = await post('{"amount":{"currency":"THB","amountMinor":2000000}}');
    expect(res).toEqual({
      status: 201,
      body: { amount: { currency: 'THB', amountMinor: 2000000 }, text: '20,000.00 THB', isBigint: true },
    });
  });

  it('accepts a string of digits beyond 2^53 and keeps it exact', async () => {
    const res = await post('{"amount":{"currency":"IDR","amountMinor":"123456789012345678901"}}');
    expect(res.status).toBe(201);
    expect(res.body.amount).toEqual({ currency: 'IDR', amountMinor: '123456789012345678901' });
    expect(res.body.text).toBe('1,234,567,890,123,456,789.01 IDR');
  });

  it.each([
    ['an exponent', '5e6'],
    ['a fraction of zero', '5000000.0'],
    ['a fraction', '20000.5'],
    ['a negative', '-2000000'],
    ['an unsafe integer', '9007199254740993'],
    ['an exponent string', '"5e6"'],
    ['a decimal string', '"20000.00"'],
    ['a non-digit string', '"twenty thousand"'],
    ['null', 'null'],
  ])('refuses %s as amountMinor: 400 MONEY_INVALID on amount.amountMinor', async (_label, amountMinor) => {
    const res = await post(`{"amount":{"currency":"THB","amountMinor":${amountMinor}}}`);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ statusCode: 400, code: 'MONEY_INVALID', message: 'Invalid money amount' });
    expect(res.body.details).toEqual([
      { field: 'amount.amountMinor', code: 'MONEY_INVALID', errors: [expect.stringMatching(/^amountMinor /)] },
    ]);
    expect(typeof res.body.correlationId).toBe('string');
  });

  it('refuses an unknown currency and names the field, without echoing it', async () => {
    const res = await post('{"amount":{"currency":"Aye Mya","amountMinor":1},"fee":{"currency":"XAU","amountMinor":1}}');
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('MONEY_INVALID');
    expect(res.body.details?.map((d) => d.field)).toEqual(['amount.currency', 'fee.currency']);
    expect(JSON.stringify(res.body)).not.toContain('Aye Mya');
  });

  it('refuses a missing or malformed money object on the property itself', async () => {
    for (const payload of ['{}', '{"amount":2000000}', '{"amount":"20,000.00 THB"}', '{"amount":null}']) {
      const res = await post(payload);
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('MONEY_INVALID');
      expect(res.body.details).toEqual([{ field: 'amount', code: 'MONEY_INVALID', errors: [expect.stringMatching(/^amount /)] }]);
    }
  });

  it('keeps VALIDATION_FAILED when something other than money is wrong too', async () => {
    const res = await post('{"amount":{"currency":"THB","amountMinor":1.5,"rate":1}}');
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('VALIDATION_FAILED');
    expect(res.body.details).toEqual(
      expect.arrayContaining([
        { field: 'amount.rate', errors: ['is not an accepted field'] },
        { field: 'amount.amountMinor', code: 'MONEY_INVALID', errors: [expect.any(String)] },
      ]),
    );
  });

  it('states the serialisation rule in the OpenAPI schema', () => {
    const doc = SwaggerModule.createDocument(app, new DocumentBuilder().build());
    const schema = (doc.components?.schemas?.MoneyDto ?? {}) as { properties: Record<string, { description?: string; oneOf?: unknown[] }> };
    expect(schema.properties.amountMinor.oneOf).toEqual([
      { type: 'integer', format: 'int64', minimum: 0, maximum: Number.MAX_SAFE_INTEGER },
      { type: 'string', maxLength: 38, pattern: '^[0-9]{1,38}$' },
    ]);
    expect(schema.properties.amountMinor.description).toMatch(
      /Responses: a JSON number when the amount is at most 9007199254740991 \(2\^53 - 1\), otherwise a string of digits/,
    );
    expect((schema.properties.currency as { enum?: string[] }).enum).toEqual(expect.arrayContaining(['THB', 'MMK', 'LAK', 'KHR', 'VND']));
  });
});
