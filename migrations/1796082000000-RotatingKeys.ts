import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Issue 15 (keys that rotate): the blind-index key each digest was made with (the re-index's progress), when a
 * partner's keys were last fetched on an unknown key id (the rate bound), and the partner events applied here by jti
 * (outlives the replay table, so a late resend is recognised). Generated from the entities.
 */
export class RotatingKeys1796082000000 implements MigrationInterface {
    name = 'RotatingKeys1796082000000'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            CREATE TABLE "federation_applied_events" (
                "partner_id" uuid NOT NULL,
                "jti" uuid NOT NULL,
                "referral_id" uuid NOT NULL,
                "applied_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "PK_04a80a3d99e25638b1ebd49c23e" PRIMARY KEY ("partner_id", "jti")
            )
        `);
        await queryRunner.query(`
            ALTER TABLE "case_blind_indexes"
            ADD "key_id" character varying(16)
        `);
        await queryRunner.query(`
            ALTER TABLE "federation_partners"
            ADD "keys_refreshed_at" TIMESTAMP WITH TIME ZONE
        `);
        await queryRunner.query(`
            ALTER TABLE "federation_applied_events"
            ADD CONSTRAINT "FK_16dbe3a3d84ad65d4bcc4c2eacb" FOREIGN KEY ("partner_id") REFERENCES "federation_partners"("id") ON DELETE CASCADE ON UPDATE NO ACTION
        `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            ALTER TABLE "federation_applied_events" DROP CONSTRAINT "FK_16dbe3a3d84ad65d4bcc4c2eacb"
        `);
        await queryRunner.query(`
            ALTER TABLE "federation_partners" DROP COLUMN "keys_refreshed_at"
        `);
        await queryRunner.query(`
            ALTER TABLE "case_blind_indexes" DROP COLUMN "key_id"
        `);
        await queryRunner.query(`
            DROP TABLE "federation_applied_events"
        `);
    }

}
