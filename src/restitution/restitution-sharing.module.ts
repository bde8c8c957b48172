import { Module } from '@nestjs/common';
import { FederationCoreModule } from '../federation/federation-core.module';
import { ClaimCopies } from './claim-copies.service';
import { ClaimShares } from './claim-shares.service';

/**
 * Claims across deployments, for the API and the worker: ClaimShares (the side that holds the case) and ClaimCopies (the
 * receiving side). The referrals module calls them when a packet is built or received and when events come and go.
 */
@Module({ imports: [FederationCoreModule], providers: [ClaimShares, ClaimCopies], exports: [ClaimShares, ClaimCopies] })
export class RestitutionSharingModule {}
