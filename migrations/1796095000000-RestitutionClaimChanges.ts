import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Issue 15 (item 2, the responsible side on the partner deployment): restitution_claim_changes keeps every change of a
 * claim's facts that a responsible partner organisation made on its copy, and how the record settled it (applied, or
 * rejected with the reason: the losing side of a conflict is kept, never dropped). Alert type claim_conflict tells
 * both sides of a change that lost. ADD VALUE cannot be undone in place: `down` rebuilds the type without the value,
 * after removing the alerts that used it, keeping every value added before it (CaseCorrectedAlerts1796087000000).
 */
export class RestitutionClaimChanges1796095000000 implements MigrationInterface {
    name = 'RestitutionClaimChanges1796095000000'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            CREATE TABLE "restitution_claim_changes" (
                "id" uuid NOT NULL,
                "claim_id" uuid NOT NULL,
                "referral_id" uuid NOT NULL,
                "partner_organisation_id" uuid NOT NULL,
                "base_version" integer NOT NULL,
                "set_values" jsonb NOT NULL,
                "was_values" jsonb NOT NULL,
                "requested_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                "outcome" character varying(16) NOT NULL,
                "rejected_reason" character varying(32),
                "received_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "ck_restitution_claim_changes_outcome" CHECK (("outcome" = 'applied' AND "rejected_reason" IS NULL) OR ("outcome" = 'rejected' AND "rejected_reason" IS NOT NULL)),
                CONSTRAINT "PK_restitution_claim_changes" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_restitution_claim_changes_claim" ON "restitution_claim_changes" ("claim_id", "received_at")
        `);
        await queryRunner.query(`
            ALTER TABLE "restitution_claim_changes"
            ADD CONSTRAINT "FK_8091c0d47ca2d2c4f6cfb4ddab4" FOREIGN KEY ("claim_id") REFERENCES "restitution_claims"("id") ON DELETE RESTRICT ON UPDATE NO ACTION
        `);
        await queryRunner.query(`
            ALTER TABLE "restitution_claim_changes"
            ADD CONSTRAINT "FK_8e07be9046675d77bf70f215808" FOREIGN KEY ("partner_organisation_id") REFERENCES "organisations"("id") ON DELETE RESTRICT ON UPDATE NO ACTION
        `);
        await queryRunner.query(`ALTER TYPE "public"."alert_type" ADD VALUE IF NOT EXISTS 'claim_conflict'`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`DELETE FROM "alerts" WHERE "type" = 'claim_conflict'`);
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
                'webhook_disabled',
                'case_corrected'
            )
        `);
        await queryRunner.query(`ALTER TABLE "alerts" ALTER COLUMN "type" TYPE "public"."alert_type" USING "type"::text::"public"."alert_type"`);
        await queryRunner.query(`DROP TYPE "public"."alert_type_old"`);
        await queryRunner.query(`ALTER TABLE "restitution_claim_changes" DROP CONSTRAINT "FK_8e07be9046675d77bf70f215808"`);
        await queryRunner.query(`ALTER TABLE "restitution_claim_changes" DROP CONSTRAINT "FK_8091c0d47ca2d2c4f6cfb4ddab4"`);
        await queryRunner.query(`DROP INDEX "public"."ix_restitution_claim_changes_claim"`);
        await queryRunner.query(`DROP TABLE "restitution_claim_changes"`);
    }
}
