import { Module } from '@nestjs/common';
import { UsersController } from './users.controller';
import { PasswordHasher } from './passwords/password-hasher';
import { UsersService } from './users.service';

/** Accounts and their passwords. Sessions are auth's: disabling an account asks auth through SessionRevoker (global). */
@Module({ controllers: [UsersController], providers: [UsersService, PasswordHasher], exports: [UsersService, PasswordHasher] })
export class UsersModule {}
