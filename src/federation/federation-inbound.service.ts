import { Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import { AppConfig } from '../config/app-config';
import { JwksDto, PingAckDto } from './dto/partner.dto';
import { FederationVerifier } from './federation-verifier';
import { nodeJwks } from './jwks';

/** What partners call on this node. Referral packets, events and recalls join here when referrals are built. */
@Injectable()
export class FederationInboundService {
  constructor(
    private readonly config: AppConfig,
    private readonly verifier: FederationVerifier,
    private readonly audit: AuditService,
  ) {}

  async keys(): Promise<JwksDto> {
    return nodeJwks(this.config.node);
  }

  async ping(jws: string): Promise<PingAckDto> {
    return this.verifier.receive(jws, 'ping', async (em, { partner, claims }) => {
      await this.audit.record(em, null, {
        action: 'federation.ping_received',
        recordType: 'federation_partner',
        recordId: partner.id,
        details: { jti: claims.jti },
      });
      return { nodeId: this.config.federation.nodeId, jti: claims.jti };
    });
  }
}
