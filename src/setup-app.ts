import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { SwaggerModule } from '@nestjs/swagger';
import helmet from 'helmet';
import type pino from 'pino';
import { Logger as PinoLogger } from 'nestjs-pino';
import { AppModule } from './app.module';
import { HttpExceptionFilter } from './common/errors/http-exception.filter';
import { clientErrorHandler, frameworkErrorHandler } from './common/http/client-error';
import { registerConditionalRequests } from './common/http/etag';
import { registerJsonBodyParser } from './common/http/json-body';
import { createValidationPipe } from './common/http/validation';
import { CORRELATION_HEADER, correlationIdFrom, ROOT_LOGGER } from './common/logging/logging.module';
import { registerRequestLogging } from './common/logging/request-logging';
import { AppConfig } from './config/app-config';
import { buildOpenApi } from './openapi';

export const OPENAPI_PATH = 'api/docs';

/** Everything main.ts does to the API, shared with the end-to-end tests so they test the same thing. */
export async function createApiApp(config = AppConfig.fromEnvironment()): Promise<NestFastifyApplication> {
  // The server's own refusals log to the root logger, which exists once the app does (set below).
  const logs: { root?: pino.Logger } = {};
  const adapter = new FastifyAdapter({
    bodyLimit: config.http.bodyLimitBytes,
    trustProxy: config.http.trustProxy,
    requestIdHeader: false,
    genReqId: (req: { headers: Record<string, string | string[] | undefined> }) => correlationIdFrom(req.headers[CORRELATION_HEADER]),
    // Headers over the limit or unreadable, a request that never finished arriving: a Lintas error body with a code.
    clientErrorHandler: clientErrorHandler(() => logs.root),
    // A path the router cannot decode, or a segment over its length limit: the same, with the request's correlation id.
    frameworkErrors: frameworkErrorHandler(() => logs.root),
  });
  // bodyParser off: Nest's default would add an application/x-www-form-urlencoded parser. The JSON parser is Fastify's
  // own (body limit, prototype-poisoning checks) behind registerJsonBodyParser, which keeps 5e6 from passing as an amount.
  const app = await NestFactory.create<NestFastifyApplication>(AppModule, adapter, {
    bufferLogs: true,
    abortOnError: false,
    bodyParser: false,
  });
  app.useLogger(app.get(PinoLogger));
  app.flushLogs();
  const fastify = app.getHttpAdapter().getInstance();
  // JSON only: any other body type answers 415 instead of reaching validation as a string.
  fastify.removeContentTypeParser(['text/plain']);
  registerJsonBodyParser(fastify, config.http.bodyLimitBytes);
  logs.root = app.get<pino.Logger>(ROOT_LOGGER);
  registerRequestLogging(fastify, logs.root);

  fastify.addHook('onSend', async (request, reply, payload) => {
    reply.header('X-Correlation-Id', String(request.id));
    // no-store everywhere, except the docs and a successful answer of a route that declared itself cacheable
    // (@Header('Cache-Control', 'public, …'), only the public federation keys).
    const declared = String(reply.getHeader('cache-control') ?? '');
    const cacheable = declared.startsWith('public') && reply.statusCode >= 200 && reply.statusCode < 300;
    if (!request.url.startsWith('/api/docs') && !cacheable) reply.header('Cache-Control', 'no-store');
    return payload;
  });
  // Strong ETags on successful JSON answers, and 304 for a GET whose If-None-Match still matches.
  registerConditionalRequests(fastify);
  // Helmet's headers, built once: @fastify/helmet builds the helmet middleware again on every request (it parses the
  // CSP directives each time), which cost more CPU than some whole requests. The headers are the same for every route.
  const securityHeaders = helmet({
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        frameAncestors: ["'none'"],
        // Not here: on a plain-http local run it would send the docs' scripts to https and break them; HSTS covers production.
        upgradeInsecureRequests: null,
      },
    },
  });
  fastify.addHook('onRequest', (request, reply, done) =>
    securityHeaders(request.raw, reply.raw, (err?: unknown) => done(err as Error | undefined)),
  );
  app.enableCors({
    origin: config.http.corsOrigins.length > 0 ? config.http.corsOrigins : false,
    exposedHeaders: ['ETag', 'Location', 'Idempotency-Replayed', 'X-Correlation-Id'],
  });
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new HttpExceptionFilter());
  app.enableShutdownHooks();

  SwaggerModule.setup(OPENAPI_PATH, app, () => buildOpenApi(app), { jsonDocumentUrl: 'api/docs-json', yamlDocumentUrl: 'api/docs-yaml' });
  await app.init();
  return app;
}
