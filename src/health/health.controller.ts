import { Controller, Get, Inject, ServiceUnavailableException } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Public } from '../common/auth/decorators';
import { DomainError } from '../common/errors/domain-error';
import { ErrorResponseDto } from '../common/http/error-response.dto';
import { AppConfig } from '../config/app-config';
import { ReadReplica } from '../database/read-replica.service';
import { evictionPolicy, REDIS, redisAnswers, RedisClient } from '../queue/redis';

/** How long the readiness probe waits for Redis (every primary, on a cluster) before calling it down. */
const REDIS_PROBE_TIMEOUT_MS = 2000;

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timed out')), ms);
  });
  return Promise.race([work, expired]).finally(() => clearTimeout(timer));
}

/** One dependency in Terminus's error response: its status, and the eviction policy where Redis was asked (below). */
interface DependencyDetail {
  status: string;
  maxmemoryPolicy?: string;
}

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly db: TypeOrmHealthIndicator,
    private readonly indicators: HealthIndicatorService,
    @Inject(REDIS) private readonly redis: RedisClient,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly readReplica: ReadReplica,
    private readonly config: AppConfig,
  ) {}

  /** The process is up. Nothing else is checked, so a database outage does not get the API restarted. */
  @Get('live')
  @ApiOperation({ summary: 'Liveness: the process is up' })
  @Public()
  @ApiOkResponse({
    description: 'Process is alive',
    schema: { type: 'object', required: ['status'], properties: { status: { type: 'string', enum: ['ok'] } } },
  })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /**
   * Ready for traffic: PostgreSQL reachable, migrations applied, Redis reachable and configured not to evict. The read
   * replica is reported, never required: when it lags or is down, lag-tolerant reads go to the primary.
   */
  @Get('ready')
  @ApiOperation({
    summary: 'Readiness: PostgreSQL, migrations and Redis are ready',
    description:
      'Also reports the read replica (DATABASE_READ_URL): its status, lag and where lag-tolerant reads go. A lagging or ' +
      'unreachable replica does not fail readiness.',
  })
  @Public()
  @HealthCheck({ swaggerDocumentation: false })
  @ApiOkResponse({
    description: 'All dependencies ready: { status: "ok", info: { <dependency>: { status: "up" } }, error: {}, details }',
    schema: {
      type: 'object',
      required: ['status'],
      properties: {
        status: { type: 'string', enum: ['ok'] },
        info: { type: 'object', additionalProperties: true },
        error: { type: 'object', additionalProperties: true },
        details: { type: 'object', additionalProperties: true },
        replica: {
          type: 'object',
          required: ['status', 'lagSeconds', 'reads'],
          description: 'The read replica: off (not configured), streaming, lagging (past DATABASE_READ_MAX_LAG_SECONDS) or down',
          properties: {
            status: { type: 'string', enum: ['off', 'streaming', 'lagging', 'down'] },
            lagSeconds: { type: 'number', format: 'double', minimum: 0, maximum: 1e9, nullable: true },
            reads: { type: 'string', enum: ['replica', 'primary'], description: 'Where lag-tolerant reads go now' },
          },
        },
      },
      example: {
        status: 'ok',
        info: { postgres: { status: 'up' } },
        error: {},
        details: { postgres: { status: 'up' } },
        replica: { status: 'streaming', lagSeconds: 0, reads: 'replica' },
      },
    },
  })
  @ApiServiceUnavailableResponse({
    type: ErrorResponseDto,
    description: 'SERVICE_UNAVAILABLE; details name each dependency and its status',
  })
  async ready() {
    try {
      const result = await this.checkAll();
      return { ...result, replica: await this.readReplica.report() };
    } catch (err) {
      if (!(err instanceof ServiceUnavailableException)) throw err;
      // Our error body, saying which dependency is down. Only statuses and the Redis policy: a driver's error text
      // (user names, hosts) has no place in the answer of a public route.
      const { details } = err.getResponse() as { details: Record<string, DependencyDetail> };
      const summary = Object.fromEntries(
        Object.entries(details).map(([name, d]) => [
          name,
          { status: d.status, ...(d.maxmemoryPolicy ? { maxmemoryPolicy: d.maxmemoryPolicy } : {}) },
        ]),
      );
      const down = Object.keys(summary).filter((name) => summary[name].status !== 'up');
      throw new DomainError('SERVICE_UNAVAILABLE', `Not ready: ${down.join(', ')}`, summary);
    }
  }

  private checkAll() {
    return this.health.check([
      () => this.db.pingCheck('postgres', { timeout: 2000 }),
      async () => {
        const indicator = this.indicators.check('migrations');
        const pending = await this.dataSource.showMigrations().catch(() => true);
        return pending ? indicator.down({ message: 'pending migrations' }) : indicator.up();
      },
      async () => {
        const indicator = this.indicators.check('redis');
        // On a Redis Cluster: every primary reports cluster_state:ok, so all slots are served.
        const answers = await withTimeout(redisAnswers(this.redis, `${this.config.redis.queuePrefix}:ready`), REDIS_PROBE_TIMEOUT_MS).catch(
          () => false,
        );
        if (!answers) return indicator.down({ message: 'unreachable' });
        const policy = await withTimeout(evictionPolicy(this.redis), REDIS_PROBE_TIMEOUT_MS).catch(() => null);
        return policy === 'noeviction'
          ? indicator.up({ maxmemoryPolicy: policy })
          : indicator.down({ maxmemoryPolicy: policy ?? 'unknown' });
      },
    ]);
  }
}
