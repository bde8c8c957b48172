import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Consents and their provisions. Generated from the entities; added by hand, because a consent that could be quietly
 * widened after the fact would be worse than none:
 *  - provisions are written once: the application role may not UPDATE, DELETE or TRUNCATE them;
 *  - consents are never deleted, and the only UPDATE allowed is the one withdrawal (active → withdrawn, with its time,
 *    who, and the sealed reason); a trigger refuses any other change, whoever makes it.
 */
const RESTRICT_APP_ROLE = `
DO $$ BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'lintas_app') THEN
    REVOKE UPDATE, DELETE, TRUNCATE ON consent_provisions FROM lintas_app;
    REVOKE DELETE, TRUNCATE ON consents FROM lintas_app;
  END IF;
END $$`;

const WITHDRAW_ONLY = `
CREATE FUNCTION consents_withdraw_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.status <> 'active' OR NEW.status <> 'withdrawn' OR NEW.withdrawn_at IS NULL
     OR (NEW.id, NEW.case_id, NEW.given_by, NEW.method, NEW.language, NEW.interpreter_used,
         NEW.recorded_by_user_id, NEW.recorded_by_organisation_id, NEW.created_at)
        IS DISTINCT FROM
        (OLD.id, OLD.case_id, OLD.given_by, OLD.method, OLD.language, OLD.interpreter_used,
         OLD.recorded_by_user_id, OLD.recorded_by_organisation_id, OLD.created_at)
  THEN
    RAISE EXCEPTION 'a consent is never edited: it can only be withdrawn, once' USING ERRCODE = '55000';
  END IF;
  RETURN NEW;
END $$`;

export class Consents1796029283209 implements MigrationInterface {
    name = 'Consents1796029283209'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            CREATE TYPE "public"."consent_provision_effect" AS ENUM('permit', 'deny')
        `);
        await queryRunner.query(`
            CREATE TYPE "public"."consent_purpose" AS ENUM(
                'service_provision',
                'cross_border_referral',
                'legal_proceedings',
                'restitution_claim',
                'repatriation'
            )
        `);
        await queryRunner.query(`
            CREATE TYPE "public"."consent_data_category" AS ENUM(
                'identity',
                'contact',
                'location',
                'health',
                'legal',
                'exploitation',
                'immigration',
                'restitution'
            )
        `);
        await queryRunner.query(`
            CREATE TABLE "consent_provisions" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "consent_id" uuid NOT NULL,
                "position" smallint NOT NULL,
                "effect" "public"."consent_provision_effect" NOT NULL,
                "recipient_organisation_id" uuid,
                "recipient_country" character(2),
                "purposes" "public"."consent_purpose" array NOT NULL,
                "data_categories" "public"."consent_data_category" array NOT NULL,
                "valid_from" TIMESTAMP WITH TIME ZONE NOT NULL,
                "valid_until" TIMESTAMP WITH TIME ZONE NOT NULL,
                CONSTRAINT "ck_consent_provisions_not_empty" CHECK (
                    cardinality(purposes) > 0
                    AND cardinality(data_categories) > 0
                ),
                CONSTRAINT "ck_consent_provisions_period" CHECK (valid_from <= valid_until),
                CONSTRAINT "ck_consent_provisions_one_recipient" CHECK (
                    (recipient_organisation_id IS NULL) <> (recipient_country IS NULL)
                ),
                CONSTRAINT "PK_329c0a4a4f9029633675a4f1537" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_consent_provisions_valid_until" ON "consent_provisions" ("valid_until")
        `);
        await queryRunner.query(`
            CREATE UNIQUE INDEX "uq_consent_provisions_position" ON "consent_provisions" ("consent_id", "position")
        `);
        await queryRunner.query(`
            CREATE TYPE "public"."consent_given_by" AS ENUM('self', 'guardian')
        `);
        await queryRunner.query(`
            CREATE TYPE "public"."consent_method" AS ENUM('written', 'verbal_witnessed', 'recorded')
        `);
        await queryRunner.query(`
            CREATE TYPE "public"."consent_status" AS ENUM('active', 'withdrawn')
        `);
        await queryRunner.query(`
            CREATE TABLE "consents" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "case_id" uuid NOT NULL,
                "given_by" "public"."consent_given_by" NOT NULL,
                "method" "public"."consent_method" NOT NULL,
                "language" character varying(3) NOT NULL,
                "interpreter_used" boolean NOT NULL,
                "status" "public"."consent_status" NOT NULL DEFAULT 'active',
                "recorded_by_user_id" uuid NOT NULL,
                "recorded_by_organisation_id" uuid NOT NULL,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "withdrawn_at" TIMESTAMP WITH TIME ZONE,
                "withdrawn_by_user_id" uuid,
                "withdrawal_reason_ciphertext" bytea,
                CONSTRAINT "ck_consents_withdrawal" CHECK (
                    (
                        status = 'active'
                        AND withdrawn_at IS NULL
                    )
                    OR (
                        status = 'withdrawn'
                        AND withdrawn_at IS NOT NULL
                    )
                ),
                CONSTRAINT "PK_9efc68eb6aba7d638fb6ea034dd" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_consents_case" ON "consents" ("case_id", "created_at")
        `);
        await queryRunner.query(`
            ALTER TABLE "consent_provisions"
            ADD CONSTRAINT "FK_bcd71791539094b8e822a0674ae" FOREIGN KEY ("consent_id") REFERENCES "consents"("id") ON DELETE RESTRICT ON UPDATE NO ACTION
        `);
        await queryRunner.query(`
            ALTER TABLE "consent_provisions"
            ADD CONSTRAINT "FK_627f93842d27b6a318a7ef2a3c7" FOREIGN KEY ("recipient_organisation_id") REFERENCES "organisations"("id") ON DELETE RESTRICT ON UPDATE NO ACTION
        `);
        await queryRunner.query(`
            ALTER TABLE "consents"
            ADD CONSTRAINT "FK_6d4ed023d54f129e89570d0a1c5" FOREIGN KEY ("case_id") REFERENCES "cases"("id") ON DELETE RESTRICT ON UPDATE NO ACTION
        `);
        await queryRunner.query(WITHDRAW_ONLY);
        await queryRunner.query(`
            CREATE TRIGGER consents_withdraw_only BEFORE UPDATE ON "consents" FOR EACH ROW EXECUTE FUNCTION consents_withdraw_only()
        `);
        await queryRunner.query(RESTRICT_APP_ROLE);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            DROP TRIGGER consents_withdraw_only ON "consents"
        `);
        await queryRunner.query(`
            DROP FUNCTION consents_withdraw_only()
        `);
        await queryRunner.query(`
            ALTER TABLE "consents" DROP CONSTRAINT "FK_6d4ed023d54f129e89570d0a1c5"
        `);
        await queryRunner.query(`
            ALTER TABLE "consent_provisions" DROP CONSTRAINT "FK_627f93842d27b6a318a7ef2a3c7"
        `);
        await queryRunner.query(`
            ALTER TABLE "consent_provisions" DROP CONSTRAINT "FK_bcd71791539094b8e822a0674ae"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_consents_case"
        `);
        await queryRunner.query(`
            DROP TABLE "consents"
        `);
        await queryRunner.query(`
            DROP TYPE "public"."consent_status"
        `);
        await queryRunner.query(`
            DROP TYPE "public"."consent_method"
        `);
        await queryRunner.query(`
            DROP TYPE "public"."consent_given_by"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."uq_consent_provisions_position"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_consent_provisions_valid_until"
        `);
        await queryRunner.query(`
            DROP TABLE "consent_provisions"
        `);
        await queryRunner.query(`
            DROP TYPE "public"."consent_data_category"
        `);
        await queryRunner.query(`
            DROP TYPE "public"."consent_purpose"
        `);
        await queryRunner.query(`
            DROP TYPE "public"."consent_provision_effect"
        `);
    }

}
