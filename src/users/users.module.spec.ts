import { Global, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { AppConfig } from '../config/app-config';
import { SessionRevoker } from './session-revoker.port';
import { UsersModule } from './users.module';
import { UsersService } from './users.service';

class RecordingRevoker extends SessionRevoker {
  revokeAllSessions(_em: EntityManager, _userId: string, _reason: string): Promise<void> {
    return Promise.resolve();
  }
}

/** What the app's global modules provide (configuration, audit, database), as stand-ins: no auth module anywhere. */
@Global()
@Module({
  providers: [
    { provide: DataSource, useValue: {} },
    { provide: AppConfig, useValue: {} },
    { provide: AuditService, useValue: {} },
  ],
  exports: [DataSource, AppConfig, AuditService],
})
class StandIns {}

describe('UsersModule', () => {
  it('binds the session port it is given, without a global auth module', async () => {
    const moduleRef = await Test.createTestingModule({ imports: [StandIns, UsersModule.withSessions(RecordingRevoker)] }).compile();
    expect(moduleRef.get(UsersService)).toBeInstanceOf(UsersService);
    expect(moduleRef.get(SessionRevoker)).toBeInstanceOf(RecordingRevoker);
    await moduleRef.close();
  });

  it('cannot be built without one (the binding is never found by accident)', async () => {
    await expect(Test.createTestingModule({ imports: [StandIns, UsersModule] }).compile()).rejects.toThrow(/SessionRevoker/);
  });
});
