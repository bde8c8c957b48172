import { MigrationInterface, QueryRunner } from "typeorm";

export class FederationDelivery1796031304663 implements MigrationInterface {
    name = 'FederationDelivery1796031304663'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            CREATE TABLE "federation_inbound_referrals" (
                "id" uuid NOT NULL,
                "partner_id" uuid NOT NULL,
                "remote_referral_id" uuid NOT NULL,
                "referral_id" uuid,
                "receiving_organisation_id" uuid NOT NULL,
                "sending_organisation_id" uuid NOT NULL,
                "jti" uuid NOT NULL,
                "body_digest" bytea NOT NULL,
                "master_key_id" character varying(32) NOT NULL,
                "wrapped_key" bytea,
                "packet" bytea,
                "received_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "restricted_at" TIMESTAMP WITH TIME ZONE,
                CONSTRAINT "ck_federation_inbound_referrals_restricted" CHECK (
                    (wrapped_key IS NULL) = (restricted_at IS NOT NULL)
                    AND (packet IS NULL) = (restricted_at IS NOT NULL)
                ),
                CONSTRAINT "PK_d77c8c06291fee4beb088124c98" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE UNIQUE INDEX "uq_federation_inbound_referrals_referral" ON "federation_inbound_referrals" ("referral_id")
            WHERE referral_id IS NOT NULL
        `);
        await queryRunner.query(`
            CREATE UNIQUE INDEX "uq_federation_inbound_referrals_remote" ON "federation_inbound_referrals" ("partner_id", "remote_referral_id")
        `);
        await queryRunner.query(`
            CREATE TABLE "federation_outbound_referrals" (
                "referral_id" uuid NOT NULL,
                "partner_id" uuid NOT NULL,
                "received_referral_id" uuid NOT NULL,
                "ack_jws" text NOT NULL,
                "acknowledged_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                "recall_ack_jws" text,
                "recall_acknowledged_at" TIMESTAMP WITH TIME ZONE,
                CONSTRAINT "PK_c6971bdce79c6c85434ec06d318" PRIMARY KEY ("referral_id")
            )
        `);
        await queryRunner.query(`
            ALTER TABLE "referrals" DROP CONSTRAINT "FK_68ab334842810ff933271725799"
        `);
        await queryRunner.query(`
            ALTER TABLE "referrals" DROP CONSTRAINT "FK_0ddeb0e203db082a32445bff36e"
        `);
        await queryRunner.query(`
            ALTER TABLE "referrals"
            ALTER COLUMN "case_id" DROP NOT NULL
        `);
        await queryRunner.query(`
            ALTER TABLE "referrals"
            ALTER COLUMN "responsible_user_id" DROP NOT NULL
        `);
        await queryRunner.query(`
            ALTER TABLE "referrals"
            ADD CONSTRAINT "ck_referrals_incoming_remote" CHECK (
                    (case_id IS NULL) = (responsible_user_id IS NULL)
                )
        `);
        await queryRunner.query(`
            ALTER TABLE "referrals"
            ADD CONSTRAINT "FK_68ab334842810ff933271725799" FOREIGN KEY ("case_id") REFERENCES "cases"("id") ON DELETE RESTRICT ON UPDATE NO ACTION
        `);
        await queryRunner.query(`
            ALTER TABLE "referrals"
            ADD CONSTRAINT "FK_0ddeb0e203db082a32445bff36e" FOREIGN KEY ("responsible_user_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE NO ACTION
        `);
        await queryRunner.query(`
            ALTER TABLE "federation_inbound_referrals"
            ADD CONSTRAINT "FK_b7506bd6e50e5f3f6ce37c2575e" FOREIGN KEY ("partner_id") REFERENCES "federation_partners"("id") ON DELETE RESTRICT ON UPDATE NO ACTION
        `);
        await queryRunner.query(`
            ALTER TABLE "federation_inbound_referrals"
            ADD CONSTRAINT "FK_4d9010958e97b7053b73fcb4ebb" FOREIGN KEY ("referral_id") REFERENCES "referrals"("id") ON DELETE RESTRICT ON UPDATE NO ACTION
        `);
        await queryRunner.query(`
            ALTER TABLE "federation_inbound_referrals"
            ADD CONSTRAINT "FK_8b22bca9d158a397cc3ae347918" FOREIGN KEY ("receiving_organisation_id") REFERENCES "organisations"("id") ON DELETE RESTRICT ON UPDATE NO ACTION
        `);
        await queryRunner.query(`
            ALTER TABLE "federation_inbound_referrals"
            ADD CONSTRAINT "FK_1b649ea6a79e51d845ba9b5bfe4" FOREIGN KEY ("sending_organisation_id") REFERENCES "organisations"("id") ON DELETE RESTRICT ON UPDATE NO ACTION
        `);
        await queryRunner.query(`
            ALTER TABLE "federation_outbound_referrals"
            ADD CONSTRAINT "FK_c6971bdce79c6c85434ec06d318" FOREIGN KEY ("referral_id") REFERENCES "referrals"("id") ON DELETE RESTRICT ON UPDATE NO ACTION
        `);
        await queryRunner.query(`
            ALTER TABLE "federation_outbound_referrals"
            ADD CONSTRAINT "FK_d3049e26c8c9a8e933870160b08" FOREIGN KEY ("partner_id") REFERENCES "federation_partners"("id") ON DELETE RESTRICT ON UPDATE NO ACTION
        `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            ALTER TABLE "federation_outbound_referrals" DROP CONSTRAINT "FK_d3049e26c8c9a8e933870160b08"
        `);
        await queryRunner.query(`
            ALTER TABLE "federation_outbound_referrals" DROP CONSTRAINT "FK_c6971bdce79c6c85434ec06d318"
        `);
        await queryRunner.query(`
            ALTER TABLE "federation_inbound_referrals" DROP CONSTRAINT "FK_1b649ea6a79e51d845ba9b5bfe4"
        `);
        await queryRunner.query(`
            ALTER TABLE "federation_inbound_referrals" DROP CONSTRAINT "FK_8b22bca9d158a397cc3ae347918"
        `);
        await queryRunner.query(`
            ALTER TABLE "federation_inbound_referrals" DROP CONSTRAINT "FK_4d9010958e97b7053b73fcb4ebb"
        `);
        await queryRunner.query(`
            ALTER TABLE "federation_inbound_referrals" DROP CONSTRAINT "FK_b7506bd6e50e5f3f6ce37c2575e"
        `);
        await queryRunner.query(`
            ALTER TABLE "referrals" DROP CONSTRAINT "FK_0ddeb0e203db082a32445bff36e"
        `);
        await queryRunner.query(`
            ALTER TABLE "referrals" DROP CONSTRAINT "FK_68ab334842810ff933271725799"
        `);
        await queryRunner.query(`
            ALTER TABLE "referrals" DROP CONSTRAINT "ck_referrals_incoming_remote"
        `);
        await queryRunner.query(`
            ALTER TABLE "referrals"
            ALTER COLUMN "responsible_user_id"
            SET NOT NULL
        `);
        await queryRunner.query(`
            ALTER TABLE "referrals"
            ALTER COLUMN "case_id"
            SET NOT NULL
        `);
        await queryRunner.query(`
            ALTER TABLE "referrals"
            ADD CONSTRAINT "FK_0ddeb0e203db082a32445bff36e" FOREIGN KEY ("responsible_user_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE NO ACTION
        `);
        await queryRunner.query(`
            ALTER TABLE "referrals"
            ADD CONSTRAINT "FK_68ab334842810ff933271725799" FOREIGN KEY ("case_id") REFERENCES "cases"("id") ON DELETE RESTRICT ON UPDATE NO ACTION
        `);
        await queryRunner.query(`
            DROP TABLE "federation_outbound_referrals"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."uq_federation_inbound_referrals_remote"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."uq_federation_inbound_referrals_referral"
        `);
        await queryRunner.query(`
            DROP TABLE "federation_inbound_referrals"
        `);
    }

}
