import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * The disclosure gate (issue 11): a review alert for new disclosures of danger-flagged cases, and a final "retired"
 * status for partner deployments (nothing leaves for a suspended or retired partner).
 * ADD VALUE cannot be undone in place: `down` rebuilds each type without the value, after moving rows off it.
 */
export class DisclosureGate1796040000000 implements MigrationInterface {
    name = 'DisclosureGate1796040000000'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`ALTER TYPE "public"."alert_type" ADD VALUE IF NOT EXISTS 'disclosure_review'`);
        await queryRunner.query(`ALTER TYPE "public"."federation_partner_status" ADD VALUE IF NOT EXISTS 'retired'`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`DELETE FROM "alerts" WHERE "type" = 'disclosure_review'`);
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
                'restitution_payment_overdue'
            )
        `);
        await queryRunner.query(`ALTER TABLE "alerts" ALTER COLUMN "type" TYPE "public"."alert_type" USING "type"::text::"public"."alert_type"`);
        await queryRunner.query(`DROP TYPE "public"."alert_type_old"`);

        await queryRunner.query(`UPDATE "federation_partners" SET "status" = 'suspended' WHERE "status" = 'retired'`);
        await queryRunner.query(`ALTER TABLE "federation_partners" ALTER COLUMN "status" DROP DEFAULT`);
        await queryRunner.query(`ALTER TYPE "public"."federation_partner_status" RENAME TO "federation_partner_status_old"`);
        await queryRunner.query(`CREATE TYPE "public"."federation_partner_status" AS ENUM('active', 'suspended')`);
        await queryRunner.query(`
            ALTER TABLE "federation_partners" ALTER COLUMN "status" TYPE "public"."federation_partner_status"
            USING "status"::text::"public"."federation_partner_status"
        `);
        await queryRunner.query(`ALTER TABLE "federation_partners" ALTER COLUMN "status" SET DEFAULT 'active'`);
        await queryRunner.query(`DROP TYPE "public"."federation_partner_status_old"`);
    }

}
