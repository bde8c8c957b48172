/**
 * One line per answered (or abandoned) request, and the request's correlation id on every line logged while it is
 * handled: Fastify hooks in place of a middleware that made child loggers per request (logging.module.ts says why, with
 * the figures). The line holds the method, the path without its query string, the status and the time taken: never a
 * body, never a header. An answer of 500 or more is logged at error level, so LOG_LEVEL=warn keeps it. Health probes
 * are not logged.
 */
import type { FastifyInstance } from 'fastify';
import type pino from 'pino';
import { requestContext } from './logging.module';

export function registerRequestLogging(fastify: FastifyInstance, logger: pino.Logger): void {
  // Entered on arrival, so hooks, guards, services and the error filter all log with it. Fastify carries the context
  // across reading the body (its content-type parser runs the rest in an AsyncResource of the request): the spec proves
  // it with a body of several socket reads.
  fastify.addHook('onRequest', (request, _reply, done) => requestContext.run({ correlationId: String(request.id) }, done));
  fastify.addHook('onResponse', (request, reply, done) => {
    const path = request.url.split('?')[0];
    const failed = reply.statusCode >= 500;
    const level = failed ? 'error' : 'info';
    if (!path.startsWith('/health/') && logger.isLevelEnabled(level)) {
      logger[level](
        {
          correlationId: String(request.id),
          req: { method: request.method, path },
          res: { statusCode: reply.statusCode },
          responseTime: Math.round(reply.elapsedTime),
        },
        failed ? 'request errored' : 'request completed',
      );
    }
    done();
  });
  // The caller hung up before the answer: no onResponse follows.
  fastify.addHook('onRequestAbort', (request, done) => {
    if (logger.isLevelEnabled('info')) {
      logger.info(
        { correlationId: String(request.id), req: { method: request.method, path: request.url.split('?')[0] } },
        'request aborted',
      );
    }
    done();
  });
}
