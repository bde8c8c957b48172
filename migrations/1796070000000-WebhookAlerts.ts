import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Issue 14: an alert for org admins when a webhook subscription is disabled after a run of failed attempts (type
 * webhook_disabled, audience org_admins). ADD VALUE cannot be undone in place: `down` rebuilds each type without the
 * value, after removing the alerts that used it.
 */
export class WebhookAlerts1796070000000 implements MigrationInterface {
    name = 'WebhookAlerts1796070000000'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`ALTER TYPE "public"."alert_type" ADD VALUE IF NOT EXISTS 'webhook_disabled'`);
        await queryRunner.query(`ALTER TYPE "public"."alert_audience" ADD VALUE IF NOT EXISTS 'org_admins'`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`DELETE FROM "alerts" WHERE "type" = 'webhook_disabled' OR "audience" = 'org_admins'`);
        await queryRunner.query(`ALTER TYPE "public"."alert_type" RENAME TO "alert_type_old"`);
        await queryRunner.query(`
            CREATE TYPE "public"."alert_type" AS ENUM(
                'overdue_step',
                'referral_awaiting_approval',
                'referral_awaiting_acceptance',
                'delivery_failed',
                'consent_expiring',
                'break_glass_review',
                'restitution_deadline',
                'restitution_payment_overdue',
                'disclosure_review'
            )
        `);
        await queryRunner.query(`ALTER TABLE "alerts" ALTER COLUMN "type" TYPE "public"."alert_type" USING "type"::text::"public"."alert_type"`);
        await queryRunner.query(`DROP TYPE "public"."alert_type_old"`);
        await queryRunner.query(`ALTER TABLE "alerts" ALTER COLUMN "audience" DROP DEFAULT`);
        await queryRunner.query(`ALTER TYPE "public"."alert_audience" RENAME TO "alert_audience_old"`);
        await queryRunner.query(`CREATE TYPE "public"."alert_audience" AS ENUM('organisation', 'supervisors')`);
        await queryRunner.query(`ALTER TABLE "alerts" ALTER COLUMN "audience" TYPE "public"."alert_audience" USING "audience"::text::"public"."alert_audience"`);
        await queryRunner.query(`ALTER TABLE "alerts" ALTER COLUMN "audience" SET DEFAULT 'organisation'`);
        await queryRunner.query(`DROP TYPE "public"."alert_audience_old"`);
    }
}
