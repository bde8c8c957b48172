import { MigrationInterface, QueryRunner } from "typeorm";

export class ReferralClaimsOnTransfer1796032944250 implements MigrationInterface {
    name = 'ReferralClaimsOnTransfer1796032944250'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            ALTER TABLE "referrals"
            ADD "claims_on_transfer" character varying(30) NOT NULL DEFAULT 'stay_with_original'
        `);
        await queryRunner.query(`
            ALTER TABLE "referrals"
            ADD CONSTRAINT "ck_referrals_claims_on_transfer" CHECK (
                    claims_on_transfer IN ('move_with_case', 'stay_with_original')
                )
        `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            ALTER TABLE "referrals" DROP CONSTRAINT "ck_referrals_claims_on_transfer"
        `);
        await queryRunner.query(`
            ALTER TABLE "referrals" DROP COLUMN "claims_on_transfer"
        `);
    }

}
