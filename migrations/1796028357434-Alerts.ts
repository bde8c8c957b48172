import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * The alerts table (the action-needed list). Generated from AlertEntity; added by hand: a check that a resolved alert
 * says when, and an open one does not. DML for lintas_app comes from the default privileges set in Foundation.
 */

export class Alerts1796028357434 implements MigrationInterface {
    name = 'Alerts1796028357434'

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
                "organisation_id" uuid NOT NULL,
                "type" "public"."alert_type" NOT NULL,
                "severity" "public"."alert_severity" NOT NULL,
                "status" "public"."alert_status" NOT NULL DEFAULT 'open',
                "audience" "public"."alert_audience" NOT NULL DEFAULT 'organisation',
                "assignee_user_id" uuid,
                "subject_user_id" uuid,
                "record_type" character varying(40) NOT NULL,
                "record_id" uuid NOT NULL,
                "case_id" uuid,
                "dedupe_key" character varying(200) NOT NULL,
                "details" jsonb,
                "due_at" TIMESTAMP WITH TIME ZONE,
                "raised_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "resolved_at" TIMESTAMP WITH TIME ZONE,
                "resolved_by_user_id" uuid,
                "resolution_code" character varying(40),
                "resolution_note" character varying(500),
                CONSTRAINT "PK_60f895662df096bfcdfab7f4b96" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_alerts_record" ON "alerts" ("record_type", "record_id")
        `);
        await queryRunner.query(`
            CREATE UNIQUE INDEX "uq_alerts_open_dedupe" ON "alerts" ("organisation_id", "dedupe_key")
            WHERE status = 'open'
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_alerts_organisation_status" ON "alerts" ("organisation_id", "status", "raised_at")
        `);
        await queryRunner.query(`
            ALTER TABLE "alerts"
            ADD CONSTRAINT "FK_d03d57af1ebe3872b084eed4221" FOREIGN KEY ("organisation_id") REFERENCES "organisations"("id") ON DELETE RESTRICT ON UPDATE NO ACTION
        `);
        await queryRunner.query(`
            ALTER TABLE "alerts" ADD CONSTRAINT "ck_alerts_resolution"
            CHECK ((status = 'open' AND resolved_at IS NULL) OR (status = 'resolved' AND resolved_at IS NOT NULL AND resolution_code IS NOT NULL))
        `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            ALTER TABLE "alerts" DROP CONSTRAINT "ck_alerts_resolution"
        `);
        await queryRunner.query(`
            ALTER TABLE "alerts" DROP CONSTRAINT "FK_d03d57af1ebe3872b084eed4221"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_alerts_organisation_status"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."uq_alerts_open_dedupe"
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
