import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Issue 16 (review findings): the partner's signed acknowledgement of a restriction notice is kept, once per notice
 * (federation_notice_acks); the receiving side keeps the last restriction notice it applied per incoming referral
 * (its per-case sequence, so an older notice arriving late is ignored) and whether the sender's case is restricted
 * (the receiving organisation's reads of the packet are refused meanwhile). Ids, numbers and times only.
 */
export class RightsNoticeOrder1796081000000 implements MigrationInterface {
    name = 'RightsNoticeOrder1796081000000'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            CREATE TABLE "federation_notice_acks" (
                "jti" uuid NOT NULL,
                "referral_id" uuid NOT NULL,
                "partner_id" uuid NOT NULL,
                "ack_jws" text,
                "acknowledged_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "PK_2bd728c92fcea8bf0a958884be3" PRIMARY KEY ("jti")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_federation_notice_acks_referral" ON "federation_notice_acks" ("referral_id")
        `);
        await queryRunner.query(`
            ALTER TABLE "federation_notice_acks"
            ADD CONSTRAINT "FK_842bf09a6afccf9e09ca65ce65d" FOREIGN KEY ("referral_id") REFERENCES "referrals"("id") ON DELETE RESTRICT ON UPDATE NO ACTION
        `);
        await queryRunner.query(`
            ALTER TABLE "federation_notice_acks"
            ADD CONSTRAINT "FK_4ee6647e1b01b444d8f67001886" FOREIGN KEY ("partner_id") REFERENCES "federation_partners"("id") ON DELETE RESTRICT ON UPDATE NO ACTION
        `);
        await queryRunner.query(`
            ALTER TABLE "federation_inbound_referrals" ADD "sender_restricted_at" TIMESTAMP WITH TIME ZONE
        `);
        await queryRunner.query(`
            ALTER TABLE "federation_inbound_referrals" ADD "restriction_sequence" integer
        `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            ALTER TABLE "federation_inbound_referrals" DROP COLUMN "restriction_sequence"
        `);
        await queryRunner.query(`
            ALTER TABLE "federation_inbound_referrals" DROP COLUMN "sender_restricted_at"
        `);
        await queryRunner.query(`
            ALTER TABLE "federation_notice_acks" DROP CONSTRAINT "FK_4ee6647e1b01b444d8f67001886"
        `);
        await queryRunner.query(`
            ALTER TABLE "federation_notice_acks" DROP CONSTRAINT "FK_842bf09a6afccf9e09ca65ce65d"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_federation_notice_acks_referral"
        `);
        await queryRunner.query(`
            DROP TABLE "federation_notice_acks"
        `);
    }
}
