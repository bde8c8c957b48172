import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * The person's right to restrict the use of their case (issue 16): case_restrictions (one row per restriction, kept
 * after it is lifted; the reason sealed under the case's key), a `case_restricted` alert for organisations that
 * received the case, and a `case_restricted` delivery failure. Hand-added: the application role may not DELETE
 * restrictions (a restriction is evidence of what the person asked).
 * ADD VALUE cannot be undone in place: `down` rebuilds each type without the value, after moving rows off it.
 */
const RESTRICT_APP_ROLE = `
DO $$ BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'lintas_app') THEN
    REVOKE DELETE, TRUNCATE ON case_restrictions FROM lintas_app;
  END IF;
END $$`;

export class CaseRestrictions1796070000000 implements MigrationInterface {
    name = 'CaseRestrictions1796070000000'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            CREATE TABLE "case_restrictions" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "case_id" uuid NOT NULL,
                "reason_ciphertext" bytea,
                "restricted_by" uuid NOT NULL,
                "organisation_id" uuid NOT NULL,
                "restricted_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "lifted_at" TIMESTAMP WITH TIME ZONE,
                "lifted_by" uuid,
                CONSTRAINT "PK_96c395a0bc3eb110ad719bf273d" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE UNIQUE INDEX "uq_case_restrictions_active" ON "case_restrictions" ("case_id") WHERE "lifted_at" IS NULL
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_case_restrictions_case" ON "case_restrictions" ("case_id", "restricted_at")
        `);
        await queryRunner.query(`
            ALTER TABLE "case_restrictions"
            ADD CONSTRAINT "FK_ebbe1feb5e8ad987f1d19d2c328" FOREIGN KEY ("case_id") REFERENCES "cases"("id") ON DELETE RESTRICT ON UPDATE NO ACTION
        `);
        await queryRunner.query(RESTRICT_APP_ROLE);
        await queryRunner.query(`ALTER TYPE "public"."alert_type" ADD VALUE IF NOT EXISTS 'case_restricted'`);
        await queryRunner.query(`ALTER TYPE "public"."referral_delivery_failure" ADD VALUE IF NOT EXISTS 'case_restricted'`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`DELETE FROM "alerts" WHERE "type" = 'case_restricted'`);
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

        await queryRunner.query(`UPDATE "referrals" SET "failure_reason" = 'consent_not_covering' WHERE "failure_reason" = 'case_restricted'`);
        await queryRunner.query(`ALTER TYPE "public"."referral_delivery_failure" RENAME TO "referral_delivery_failure_old"`);
        await queryRunner.query(`
            CREATE TYPE "public"."referral_delivery_failure" AS ENUM(
                'consent_not_covering',
                'remote_delivery_not_configured',
                'partner_refused',
                'retries_exhausted'
            )
        `);
        await queryRunner.query(`
            ALTER TABLE "referrals" ALTER COLUMN "failure_reason" TYPE "public"."referral_delivery_failure"
            USING "failure_reason"::text::"public"."referral_delivery_failure"
        `);
        await queryRunner.query(`DROP TYPE "public"."referral_delivery_failure_old"`);

        await queryRunner.query(`ALTER TABLE "case_restrictions" DROP CONSTRAINT "FK_ebbe1feb5e8ad987f1d19d2c328"`);
        await queryRunner.query(`DROP INDEX "public"."ix_case_restrictions_case"`);
        await queryRunner.query(`DROP INDEX "public"."uq_case_restrictions_active"`);
        await queryRunner.query(`DROP TABLE "case_restrictions"`);
    }

}
