import { Global, Module } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import { AppConfig } from '../config/app-config';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { LoginThrottleService } from './login-throttle.service';
import { SessionRevoker } from '../users/session-revoker.port';
import { UsersModule } from '../users/users.module';
import { SessionRevocation } from './session-revocation';
import { TokenService } from './token.service';

@Global()
@Module({
  imports: [
    UsersModule, // the accounts and their passwords (PasswordHasher); users asks auth through SessionRevoker
    // KeyObjects, not PEM strings: jsonwebtoken then skips re-parsing the key on every verification.
    JwtModule.registerAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({ privateKey: config.auth.jwtPrivateKey, publicKey: config.auth.jwtPublicKey }),
    }),
  ],
  controllers: [AuthController],
  providers: [AuthService, TokenService, LoginThrottleService, { provide: SessionRevoker, useClass: SessionRevocation }],
  exports: [TokenService, AuthService, SessionRevoker],
})
export class AuthModule {}
