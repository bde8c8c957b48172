/**
 * The ceiling Lintas is measured against: the least a guarded read can do on this stack — NestJS on Fastify, verify an ES256
 * JWT with a KeyObject, read one row by primary key with TypeORM — and the least a validated insert can do. Kept in bench/,
 * never in the product. Listens on BENCH_CEILING_PORT.
 */
import 'reflect-metadata';
import { Body, Controller, Get, Headers, Injectable, Module, Param, Post, UnauthorizedException, ValidationPipe } from '@nestjs/common';
import { JwtModule, JwtService } from '@nestjs/jwt';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { InjectDataSource, TypeOrmModule } from '@nestjs/typeorm';
import { IsIn, IsInt, IsString, MaxLength, Min } from 'class-validator';
import { DataSource } from 'typeorm';
import { AppConfig } from '../src/config/app-config';
import { dataSourceOptions } from '../src/database/typeorm-options';
import { UserEntity } from '../src/users/user.entity';

const config = AppConfig.fromEnvironment();

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
      this.jwt.verify((auth ?? '').replace(/^Bearer /, ''), { algorithms: ['ES256'], issuer: config.auth.issuer, audience: config.auth.audience });
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
    return this.ds.query('INSERT INTO bench_ceiling_rows (label, level, count) VALUES ($1, $2, $3) RETURNING id', [dto.label, dto.level, dto.count]);
  }
}

@Controller('ceiling')
class CeilingController {
  constructor(private readonly svc: CeilingService) {}
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
  providers: [CeilingService],
})
class CeilingModule {}

async function main(): Promise<void> {
  const app = await NestFactory.create<NestFastifyApplication>(CeilingModule, new FastifyAdapter(), { logger: ['error'] });
  app.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }));
  await app.listen({ port: Number(process.env.BENCH_CEILING_PORT ?? 3901), host: '127.0.0.1' });
}

void main();
