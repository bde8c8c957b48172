import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * The alert list's table (action needed per organisation), with the alert vocabulary of the consent work. Cases writes
 * the first alerts into it (break-glass access to review); the list API comes with the alerts work.
 */

export class Alerts1796029011623 implements MigrationInterface {
    name = 'Alerts1796029011623'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            CREATE TYPE "public"."alert_type" AS ENUM(
                'overdue_step',
                'referral_awaiting_approval',
                'referral_awaiting_acceptance',
                'delivery_failed',
                'consent_expiring',
                'break_glass_review',
                'restitution_deadline',
                'restitution_payment_overdue'
            )
        `);
        await queryRunner.query(`
            CREATE TYPE "public"."alert_severity" AS ENUM('info', 'warning', 'critical')
        `);
        await queryRunner.query(`
            CREATE TYPE "public"."alert_status" AS ENUM('open', 'resolved')
        `);
        await queryRunner.query(`
            CREATE TYPE "public"."alert_audience" AS ENUM('organisation', 'supervisors')
        `);
        await queryRunner.query(`
            CREATE TABLE "alerts" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "type" "public"."alert_type" NOT NULL,
                "severity" "public"."alert_severity" NOT NULL,
                "status" "public"."alert_status" NOT NULL DEFAULT 'open',
                "audience" "public"."alert_audience" NOT NULL DEFAULT 'organisation',
                "organisation_id" uuid NOT NULL,
                "record_type" character varying(40) NOT NULL,
                "record_id" character varying(64) NOT NULL,
                "raised_by" uuid,
                "details" jsonb,
                "due_at" TIMESTAMP WITH TIME ZONE,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "resolved_at" TIMESTAMP WITH TIME ZONE,
                "resolved_by" uuid,
                CONSTRAINT "PK_60f895662df096bfcdfab7f4b96" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_alerts_record" ON "alerts" ("record_type", "record_id")
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_alerts_open_by_organisation" ON "alerts" ("organisation_id", "created_at")
            WHERE status = 'open'
        `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            DROP INDEX "public"."ix_alerts_open_by_organisation"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_alerts_record"
        `);
        await queryRunner.query(`
            DROP TABLE "alerts"
        `);
        await queryRunner.query(`
            DROP TYPE "public"."alert_audience"
        `);
        await queryRunner.query(`
            DROP TYPE "public"."alert_status"
        `);
        await queryRunner.query(`
            DROP TYPE "public"."alert_severity"
        `);
        await queryRunner.query(`
            DROP TYPE "public"."alert_type"
        `);
    }

}
