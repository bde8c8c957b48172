import { Global, Module } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import { AppConfig } from '../config/app-config';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { LoginThrottleService } from './login-throttle.service';
import { PasswordHasher } from './password-hasher';
import { TokenService } from './token.service';

@Global()
@Module({
  imports: [
    // KeyObjects, not PEM strings: jsonwebtoken then skips re-parsing the key on every verification.
    JwtModule.registerAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({ privateKey: config.auth.jwtPrivateKey, publicKey: config.auth.jwtPublicKey }),
    }),
  ],
  controllers: [AuthController],
  providers: [AuthService, TokenService, PasswordHasher, LoginThrottleService],
  exports: [TokenService, PasswordHasher, AuthService],
})
export class AuthModule {}
