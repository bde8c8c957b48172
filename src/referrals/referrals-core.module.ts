import { Module } from '@nestjs/common';
import { AlertsModule } from '../alerts/alerts.module';
import { DisclosureModule } from '../disclosure/disclosure.module';
import { ReferralDeadlines } from './referral-deadlines.service';
import { ReferralDelivery } from './referral-delivery.service';
import { ReferralMilestonesService } from './referral-milestones.service';
import { ReferralNotices } from './referral-notices';
import { ReferralReads } from './referral-reads';
import { ReferralErasureRequests } from './referral-erasure-requests';
import { ReferralRecall } from './referral-recall.service';
import { ReferralRectificationNotices } from './referral-rectification-notices';
import { ReferralRestrictionNotices } from './referral-restriction-notices';
import { ReferralTransitions } from './referral-transitions.service';

/**
 * The referral unit of work without HTTP or decryption, for the API and the worker. Its files depend downward:
 * reads → notices → milestones, deadlines → transitions → delivery, recall; restriction notices (reads only); rectification notices (reads, gate).
 */
const WORKFLOW = [
  ReferralReads,
  ReferralNotices,
  ReferralMilestonesService,
  ReferralDeadlines,
  ReferralTransitions,
  ReferralDelivery,
  ReferralRecall,
  ReferralRestrictionNotices,
  ReferralRectificationNotices,
  ReferralErasureRequests,
];

@Module({ imports: [AlertsModule, DisclosureModule], providers: WORKFLOW, exports: [...WORKFLOW, DisclosureModule] })
export class ReferralsCoreModule {}
