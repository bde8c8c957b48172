import { DynamicModule, Module, Type } from '@nestjs/common';
import { UsersController } from './users.controller';
import { PasswordHasher } from './passwords/password-hasher';
import { SessionRevoker } from './session-revoker.port';
import { UsersService } from './users.service';

/**
 * Accounts and their passwords. Sessions are auth's: disabling an account asks auth through the SessionRevoker port,
 * bound explicitly by whoever imports this module (`UsersModule.withSessions(...)`; the auth module's
 * USERS_WITH_SESSIONS is the one binding the app uses), never found through a global module.
 */
@Module({ controllers: [UsersController], providers: [UsersService, PasswordHasher], exports: [UsersService, PasswordHasher] })
export class UsersModule {
  static withSessions(sessions: Type<SessionRevoker>): DynamicModule {
    return { module: UsersModule, providers: [{ provide: SessionRevoker, useClass: sessions }] };
  }
}
