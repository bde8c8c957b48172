import { Global, Module } from '@nestjs/common';
import { ConfigModule as NestConfigModule } from '@nestjs/config';
import { LoggingSettings } from '../common/logging/logging.module';
import { AppConfig } from './app-config';
import { validateEnvironment } from './env.validation';

/** Validates the environment once (through @nestjs/config) and provides the typed AppConfig to every module. */
@Global()
@Module({
  imports: [NestConfigModule.forRoot({ ignoreEnvFile: true, validate: validateEnvironment, cache: true })],
  providers: [
    { provide: AppConfig, useFactory: () => AppConfig.fromEnvironment() },
    { provide: LoggingSettings, useExisting: AppConfig },
  ],
  exports: [AppConfig, LoggingSettings],
})
export class ConfigModule {}
