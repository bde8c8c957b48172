import { Global, Module } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import { AppConfig } from '../config/app-config';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { LoginThrottleService } from './login-throttle.service';
import { TokenService } from './token.service';
import { USERS_WITH_SESSIONS } from './users-with-sessions';

@Global()
@Module({
  imports: [
    USERS_WITH_SESSIONS, // the accounts and their passwords (PasswordHasher); users asks auth's sessions through its port
    // KeyObjects, not PEM strings: jsonwebtoken then skips re-parsing the key on every verification.
    JwtModule.registerAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({ privateKey: config.auth.jwtPrivateKey, publicKey: config.auth.jwtPublicKey }),
    }),
  ],
  controllers: [AuthController],
  providers: [AuthService, TokenService, LoginThrottleService],
  exports: [TokenService, AuthService],
})
export class AuthModule {}
