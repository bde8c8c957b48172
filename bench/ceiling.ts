/**
 * The ceiling Lintas is measured against: a plain guarded read on this stack — NestJS on Fastify, verify an ES256 JWT with
 * a KeyObject on every request, read one row by primary key with TypeORM — and the least a validated insert can do. Kept
 * in bench/, never in the product. Listens on BENCH_CEILING_PORT. Lintas keeps a verified token until it expires
 * (TokenService): with the bench's one token, its GET figures are warm ones (docs/scale.md, "CPU of a read").
 *
 * Beside them, the required-work ceiling of POST /cases (POST /ceiling/cases): on the same HTTP and JWT stack, the work
 * a case creation cannot avoid, written plainly with `pg` and node:crypto, no TypeORM and no Lintas service — the session
 * check, the reference counter, a new data key wrapped under the master key, one AES-256-GCM encryption per identity
 * field sent, one blind-index HMAC per document, and one statement that stores the case row, its wrapped key, its
 * blind-index rows, the duplicates look-up and the case.create audit event (as case-create.statement.ts does). The
 * encryption uses the product's pure envelope functions (src/crypto/case-crypto.ts, node:crypto only), so a case written
 * here opens in GET /cases/{id} like any other (a kept bench database reads them in later runs).
 */
import 'reflect-metadata';
import { Body, Controller, Get, Headers, Injectable, Module, Param, Post, UnauthorizedException, ValidationPipe } from '@nestjs/common';
import { JwtModule, JwtService } from '@nestjs/jwt';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { InjectDataSource, TypeOrmModule } from '@nestjs/typeorm';
import { IsIn, IsInt, IsString, MaxLength, Min } from 'class-validator';
import { createHash, createSecretKey, randomBytes, randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { DataSource } from 'typeorm';
import { AppConfig } from '../src/config/app-config';
import { blindIndex, encryptField, wrapDataKey } from '../src/crypto/case-crypto';
import { dataSourceOptions } from '../src/database/typeorm-options';
import { UserEntity } from '../src/users/user.entity';

const config = AppConfig.fromEnvironment();
const MASTER_KEY = createSecretKey(config.crypto.masterKey.key);
const BLIND_INDEX_KEY = createSecretKey(config.crypto.blindIndexKey);

class InsertDto {
  @IsString() @MaxLength(100) label: string;
  @IsIn(['low', 'medium', 'high']) level: string;
  @IsInt() @Min(0) count: number;
}

@Injectable()
class CeilingService {
  constructor(
    private readonly jwt: JwtService,
    @InjectDataSource() private readonly ds: DataSource,
  ) {}
  verify(auth: string | undefined): void {
    try {
      this.jwt.verify((auth ?? '').replace(/^Bearer /, ''), {
        algorithms: ['ES256'],
        issuer: config.auth.issuer,
        audience: config.auth.audience,
      });
    } catch {
      throw new UnauthorizedException();
    }
  }
  read(id: string) {
    return this.ds.getRepository(UserEntity).findOneBy({ id });
  }
  /**
   * The least the issue's rules make every guarded read do beyond the ceiling, written plainly (one query each, no
   * batching): the session check the guard makes, the read, and one audit row committed before the answer. Measured to
   * show how much of the distance to the ceiling is the required work itself rather than Lintas' code.
   */
  async auditedRead(auth: string | undefined, id: string) {
    const claims = this.jwt.decode<{ sub: string; sid: string }>((auth ?? '').replace(/^Bearer /, ''));
    const session = await this.ds.query(
      `SELECT u.organisation_id, u.role FROM users u JOIN auth_sessions s ON s.id = $2 AND s.user_id = u.id
        WHERE u.id = $1 AND u.disabled_at IS NULL AND s.revoked_at IS NULL AND s.expires_at > now()`,
      [claims.sub, claims.sid],
    );
    if (session.length === 0) throw new UnauthorizedException();
    const row = await this.read(id);
    await this.ds.query(
      `INSERT INTO audit_events (actor_user_id, actor_organisation_id, actor_role, action, record_type, record_id, purpose)
       VALUES ($1, $2, $3, 'bench.ceiling_read', 'user', $4, 'bench')`,
      [claims.sub, session[0].organisation_id, session[0].role, id],
    );
    return row;
  }
  insert(dto: InsertDto) {
    return this.ds.query('INSERT INTO bench_ceiling_rows (label, level, count) VALUES ($1, $2, $3) RETURNING id', [
      dto.label,
      dto.level,
      dto.count,
    ]);
  }
}

/** The identity fields POST /cases seals, each in its own column (cases.service.ts IDENTITY_FIELDS). */
const SEALED_FIELDS: Array<[field: string, column: string]> = [
  ['givenName', 'identity_given_name'],
  ['familyName', 'identity_family_name'],
  ['dateOfBirth', 'identity_date_of_birth'],
  ['identityDocuments', 'identity_documents'],
  ['phone', 'identity_phone'],
  ['email', 'identity_email'],
  ['currentLocation', 'identity_current_location'],
];

interface CaseBody {
  person?: Record<string, unknown> & {
    identityDocuments?: Array<{ type: string; number: string; country: string }>;
    gender?: string;
    citizenship?: string[];
    languages?: string[];
  };
  traffickingStatus?: string;
  exploitationTypes?: string[];
  meansOfControl?: string[];
  recruitmentMethods?: string[];
  recruitmentPlatforms?: string[];
  countryOfRecruitment?: string;
  countryOfExploitation?: string;
  ageWhenTrafficked?: number;
  protection?: { riskLevel?: string; dangerFlag?: boolean };
}

/** POST /cases' required work in plain SQL (see the header): named prepared statements, no batching of references. */
@Injectable()
class RequiredWorkService {
  private readonly pool = new Pool({ connectionString: config.database.url, max: config.database.poolSize });

  async createCase(auth: string | undefined, body: CaseBody): Promise<{ id: string; reference: string }> {
    const claims = JSON.parse(Buffer.from((auth ?? '').replace(/^Bearer /, '').split('.')[1] ?? '', 'base64url').toString()) as {
      sub: string;
      sid: string;
    };
    const session = await this.pool.query<{ organisation_id: string; role: string; country: string }>({
      name: 'rw_session',
      text: `SELECT u.organisation_id, u.role, o.country FROM users u JOIN auth_sessions s ON s.id = $2 AND s.user_id = u.id
               JOIN organisations o ON o.id = u.organisation_id
              WHERE u.id = $1 AND u.disabled_at IS NULL AND s.revoked_at IS NULL AND s.expires_at > now()`,
      values: [claims.sub, claims.sid],
    });
    if (session.rowCount === 0) throw new UnauthorizedException();
    const actor = session.rows[0];
    const year = new Date().getUTCFullYear();
    // As the product does: the counter's own short transaction, committed without waiting for the WAL flush.
    const counter = await this.pool.query<{ last_value: number }>({
      name: 'rw_counter',
      text: `INSERT INTO case_reference_counters AS r (country, year, last_value)
             SELECT $1::char(2), $2::smallint, 1 WHERE set_config('synchronous_commit', 'off', true) = 'off'
             ON CONFLICT (country, year) DO UPDATE SET last_value = r.last_value + 1 RETURNING r.last_value`,
      values: [actor.country, year],
    });
    const reference = `${actor.country}-${year}-${String(counter.rows[0].last_value).padStart(6, '0')}`;

    const id = randomUUID();
    // Keys as KeyObjects, as the product holds them (src/crypto/aead.ts says why): the same cost per encryption.
    const dataKeyBytes = randomBytes(32);
    const wrapped = wrapDataKey(MASTER_KEY, config.crypto.masterKey.id, id, dataKeyBytes);
    const dataKey = createSecretKey(dataKeyBytes);
    dataKeyBytes.fill(0);
    const person = body.person ?? {};
    const columns: string[] = [];
    const sealed: Buffer[] = [];
    for (const [field, column] of SEALED_FIELDS) {
      if (person[field] === undefined || person[field] === null) continue;
      columns.push(column);
      sealed.push(encryptField(dataKey, id, field, person[field]));
    }
    const digests = (person.identityDocuments ?? []).map((d) => blindIndex(BLIND_INDEX_KEY, d));

    const plain: Array<[string, unknown, string]> = [
      ['id', id, 'uuid'],
      ['reference', reference, 'varchar'],
      ['owner_organisation_id', actor.organisation_id, 'uuid'],
      ['assigned_caseworker_id', claims.sub, 'uuid'],
      ['created_by', claims.sub, 'uuid'],
      ['gender', person.gender ?? null, 'case_gender'],
      ['citizenship', person.citizenship ?? [], 'varchar[]'],
      ['languages', person.languages ?? [], 'varchar[]'],
      ['trafficking_status', body.traffickingStatus ?? null, 'trafficking_status'],
      ['trafficking_status_decided_by_organisation_id', body.traffickingStatus ? actor.organisation_id : null, 'uuid'],
      ['trafficking_status_decided_at', body.traffickingStatus ? new Date().toISOString().slice(0, 10) : null, 'date'],
      ['exploitation_types', body.exploitationTypes ?? [], 'exploitation_type[]'],
      ['means_of_control', body.meansOfControl ?? [], 'means_of_control[]'],
      ['recruitment_methods', body.recruitmentMethods ?? [], 'recruitment_method[]'],
      ['recruitment_platforms', body.recruitmentPlatforms ?? [], 'recruitment_platform[]'],
      ['country_of_recruitment', body.countryOfRecruitment ?? null, 'char(2)'],
      ['country_of_exploitation', body.countryOfExploitation ?? null, 'char(2)'],
      ['age_when_trafficked', body.ageWhenTrafficked ?? null, 'smallint'],
      ['risk_level', body.protection?.riskLevel ?? null, 'risk_level'],
      ['risk_assessed_at', body.protection?.riskLevel ? new Date().toISOString().slice(0, 10) : null, 'date'],
      ['danger_flag', body.protection?.dangerFlag ?? false, 'boolean'],
    ];
    const params: unknown[] = [];
    const p = (value: unknown, type: string) => {
      params.push(value);
      return `$${params.length}::${type}`;
    };
    const caseColumns = [...plain.map(([c]) => c), ...columns];
    const caseValues = [...plain.map(([, v, t]) => p(v, t)), ...sealed.map((b) => p(b, 'bytea'))];
    const caseId = p(id, 'uuid');
    const digestArray = p(digests, 'bytea[]');
    const sql = `WITH c AS (INSERT INTO cases (${caseColumns.join(', ')}) VALUES (${caseValues.join(', ')}) RETURNING created_at),
      k AS (INSERT INTO case_keys (case_id, master_key_id, wrapped_key, destroyed_at) VALUES (${caseId}, ${p(config.crypto.masterKey.id, 'varchar')}, ${p(wrapped, 'bytea')}, NULL)),
      b AS (INSERT INTO case_blind_indexes (case_id, kind, digest) SELECT ${caseId}, 'identity_document', digest FROM unnest(${digestArray}) AS digest),
      d AS (SELECT DISTINCT x.reference FROM case_blind_indexes i JOIN cases x ON x.id = i.case_id
             WHERE i.digest = ANY(${digestArray}) AND x.owner_organisation_id = ${p(actor.organisation_id, 'uuid')} AND x.id <> ${caseId}),
      a AS (INSERT INTO audit_events (actor_user_id, actor_organisation_id, actor_role, action, record_type, record_id, purpose, correlation_id, details)
            VALUES (${p(claims.sub, 'uuid')}, ${p(actor.organisation_id, 'uuid')}, ${p(actor.role, 'varchar')}, 'case.create', 'case', ${p(id, 'varchar')}, NULL, NULL,
                    jsonb_build_object('reference', ${p(reference, 'text')}, 'possibleDuplicates', (SELECT count(*) FROM d))))
      SELECT c.created_at, ARRAY(SELECT reference FROM d ORDER BY reference) AS possible_duplicates FROM c`;
    // A named prepared statement per shape (the sealed columns sent), as the product's hot statements are.
    await this.pool.query({ name: `rw_case_${createHash('sha1').update(sql).digest('hex').slice(0, 16)}`, text: sql, values: params });
    return { id, reference };
  }
}

@Controller('ceiling')
class CeilingController {
  constructor(
    private readonly svc: CeilingService,
    private readonly required: RequiredWorkService,
  ) {}
  @Get('users/:id')
  async get(@Headers('authorization') auth: string, @Param('id') id: string) {
    this.svc.verify(auth);
    return this.svc.read(id);
  }
  @Get('audited-users/:id')
  async audited(@Headers('authorization') auth: string, @Param('id') id: string) {
    this.svc.verify(auth);
    return this.svc.auditedRead(auth, id);
  }
  @Post('cases')
  async createCase(@Headers('authorization') auth: string, @Body() body: CaseBody) {
    this.svc.verify(auth);
    return this.required.createCase(auth, body);
  }
  @Post('rows')
  async post(@Headers('authorization') auth: string, @Body() dto: InsertDto) {
    this.svc.verify(auth);
    return (await this.svc.insert(dto))[0];
  }
}

@Module({
  imports: [
    TypeOrmModule.forRoot(dataSourceOptions(config.database.url, config.database.poolSize)),
    JwtModule.register({ privateKey: config.auth.jwtPrivateKey, publicKey: config.auth.jwtPublicKey }),
  ],
  controllers: [CeilingController],
  providers: [CeilingService, RequiredWorkService],
})
class CeilingModule {}

async function main(): Promise<void> {
  const app = await NestFactory.create<NestFastifyApplication>(CeilingModule, new FastifyAdapter(), { logger: ['error'] });
  app.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }));
  await app.listen({ port: Number(process.env.BENCH_CEILING_PORT ?? 3901), host: '127.0.0.1' });
}

void main();
