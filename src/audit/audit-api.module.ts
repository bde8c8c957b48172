import { Module } from '@nestjs/common';
import { AuditChainService } from './audit-chain.service';
import { AuditController } from './audit.controller';

/** The API side of the audit log: verification and checkpoints for auditors. (Writing events: the global AuditModule.) */
@Module({ controllers: [AuditController], providers: [AuditChainService] })
export class AuditApiModule {}
