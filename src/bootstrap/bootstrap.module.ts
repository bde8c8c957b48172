import { Module } from '@nestjs/common';
import { USERS_WITH_SESSIONS } from '../auth/users-with-sessions';
import { BootstrapService } from './bootstrap.service';

@Module({ imports: [USERS_WITH_SESSIONS], providers: [BootstrapService], exports: [BootstrapService] })
export class BootstrapModule {}
