/** The API process: `npm run start:prod` (built) or `npm run start:dev`. */
import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { ConfigurationError } from './config/env.validation';
import { AppConfig } from './config/app-config';
import { createApiApp } from './setup-app';

async function main(): Promise<void> {
  const config = AppConfig.fromEnvironment();
  const app = await createApiApp(config);
  if (config.generatedKeys.length > 0) {
    new Logger('Config').warn(`using locally generated keys (never in production): ${config.generatedKeys.join(', ')}`);
  }
  await app.listen({ port: config.http.port, host: config.http.host });
  new Logger('Lintas').log(`API listening on http://${config.http.host}:${config.http.port} (OpenAPI at /api/docs)`);
}

main().catch((err: unknown) => {
  if (err instanceof ConfigurationError) {
    process.stderr.write(`lintas: ${err.message}\n`);
    process.exit(78);
  }
  process.stderr.write(`lintas: the API failed to start: ${(err as Error)?.message ?? String(err)}\n`);
  process.exit(1);
});
