import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Issue 15 (items 1–3): restitution claims across deployments. On the side that holds the case,
 * restitution_claim_shares records which referral to a partner deployment carried which claim (so later changes are
 * sent there as signed events). On the receiving side, restitution_claim_copies keeps the partner's copy of each carried
 * claim, envelope-encrypted like the referral packet (a data key per row wrapped under the master key); a recall deletes
 * the rows. DML for lintas_app comes from the default privileges set in Foundation.
 */
export class RestitutionAcrossBorders1796083000000 implements MigrationInterface {
    name = 'RestitutionAcrossBorders1796083000000'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            CREATE TABLE "restitution_claim_shares" (
                "claim_id" uuid NOT NULL,
                "referral_id" uuid NOT NULL,
                "recipient_organisation_id" uuid NOT NULL,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "PK_restitution_claim_shares" PRIMARY KEY ("claim_id", "referral_id")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_restitution_claim_shares_referral" ON "restitution_claim_shares" ("referral_id")
        `);
        await queryRunner.query(`
            CREATE TABLE "restitution_claim_copies" (
                "id" uuid NOT NULL,
                "referral_id" uuid NOT NULL,
                "claim_id" uuid NOT NULL,
                "holder_organisation_id" uuid NOT NULL,
                "partner_organisation_id" uuid NOT NULL,
                "version" integer NOT NULL,
                "master_key_id" character varying(32) NOT NULL,
                "wrapped_key" bytea NOT NULL,
                "sealed" bytea NOT NULL,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "ck_restitution_claim_copies_version_positive" CHECK ("version" >= 1),
                CONSTRAINT "PK_restitution_claim_copies" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE UNIQUE INDEX "uq_restitution_claim_copies_referral_claim" ON "restitution_claim_copies" ("referral_id", "claim_id")
        `);
        await queryRunner.query(`
            ALTER TABLE "restitution_claim_shares"
            ADD CONSTRAINT "FK_e424343e95feff2c639ff85c9c7" FOREIGN KEY ("claim_id") REFERENCES "restitution_claims"("id") ON DELETE RESTRICT ON UPDATE NO ACTION
        `);
        await queryRunner.query(`
            ALTER TABLE "restitution_claim_shares"
            ADD CONSTRAINT "FK_274b44514f7614830449046ac9f" FOREIGN KEY ("recipient_organisation_id") REFERENCES "organisations"("id") ON DELETE RESTRICT ON UPDATE NO ACTION
        `);
        await queryRunner.query(`
            ALTER TABLE "restitution_claim_copies"
            ADD CONSTRAINT "FK_ac135904872f2d8f0fbff495a1b" FOREIGN KEY ("holder_organisation_id") REFERENCES "organisations"("id") ON DELETE RESTRICT ON UPDATE NO ACTION
        `);
        await queryRunner.query(`
            ALTER TABLE "restitution_claim_copies"
            ADD CONSTRAINT "FK_4022395673378b648ed2f270f93" FOREIGN KEY ("partner_organisation_id") REFERENCES "organisations"("id") ON DELETE RESTRICT ON UPDATE NO ACTION
        `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            ALTER TABLE "restitution_claim_copies" DROP CONSTRAINT "FK_4022395673378b648ed2f270f93"
        `);
        await queryRunner.query(`
            ALTER TABLE "restitution_claim_copies" DROP CONSTRAINT "FK_ac135904872f2d8f0fbff495a1b"
        `);
        await queryRunner.query(`
            ALTER TABLE "restitution_claim_shares" DROP CONSTRAINT "FK_274b44514f7614830449046ac9f"
        `);
        await queryRunner.query(`
            ALTER TABLE "restitution_claim_shares" DROP CONSTRAINT "FK_e424343e95feff2c639ff85c9c7"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."uq_restitution_claim_copies_referral_claim"
        `);
        await queryRunner.query(`
            DROP TABLE "restitution_claim_copies"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_restitution_claim_shares_referral"
        `);
        await queryRunner.query(`
            DROP TABLE "restitution_claim_shares"
        `);
    }
}
