import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Issue 12: a signed event to a partner deployment is now the referrals module's job (referrals.notify-partner, on
 * the referrals queue) instead of federation's (federation.notify-partner). Outbox rows not yet processed are renamed,
 * so the relay's re-enqueue of rows dispatched but never processed hands them to the new handler. Data only.
 */
export class PartnerEventsOnReferralsQueue1796061200000 implements MigrationInterface {
    name = 'PartnerEventsOnReferralsQueue1796061200000'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`UPDATE "outbox_events" SET "type" = 'referrals.notify-partner' WHERE "type" = 'federation.notify-partner' AND "processed_at" IS NULL`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`UPDATE "outbox_events" SET "type" = 'federation.notify-partner' WHERE "type" = 'referrals.notify-partner' AND "processed_at" IS NULL`);
    }
}
