import { Module } from '@nestjs/common';
import { FederationCoreModule } from '../federation/federation-core.module';
import { AlertsModule } from '../alerts/alerts.module';
import { ClaimChanges } from './claim-changes.service';
import { ClaimCopies } from './claim-copies.service';
import { ClaimCopyChanges } from './claim-copy-changes.service';
import { ClaimShares } from './claim-shares.service';

/**
 * Claims across deployments, for the API and the worker: ClaimShares (the side that holds the case) and ClaimCopies (the
 * receiving side). The referrals module calls them when a packet is built or received and when events come and go.
 */
@Module({
  imports: [FederationCoreModule, AlertsModule],
  providers: [ClaimShares, ClaimCopies, ClaimChanges, ClaimCopyChanges],
  exports: [ClaimShares, ClaimCopies, ClaimChanges, ClaimCopyChanges],
})
export class RestitutionSharingModule {}
