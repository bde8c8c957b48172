import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Issue 16 (rectification): an alert for an organisation that received a case which was then corrected (type
 * case_corrected). ADD VALUE cannot be undone in place: `down` rebuilds the type without the value, after removing the
 * alerts that used it, keeping every value added before it (CaseRestrictions1796070000000, WebhookAlerts1796070050000).
 */
export class CaseCorrectedAlerts1796087000000 implements MigrationInterface {
    name = 'CaseCorrectedAlerts1796087000000'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`ALTER TYPE "public"."alert_type" ADD VALUE IF NOT EXISTS 'case_corrected'`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`DELETE FROM "alerts" WHERE "type" = 'case_corrected'`);
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
                'disclosure_review',
                'case_restricted',
                'webhook_disabled'
            )
        `);
        await queryRunner.query(`ALTER TABLE "alerts" ALTER COLUMN "type" TYPE "public"."alert_type" USING "type"::text::"public"."alert_type"`);
        await queryRunner.query(`DROP TYPE "public"."alert_type_old"`);
    }
}
