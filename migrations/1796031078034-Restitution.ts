import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Restitution claims, their payments ledger and the history of who was responsible for each claim. Generated from the
 * entities; added by hand, because a ledger that could be quietly edited would prove nothing:
 *  - restitution_payments and claim_responsibility_history are append-only: a trigger refuses UPDATE and DELETE
 *    whoever runs them, and the application role holds neither grant (nor TRUNCATE);
 *  - claims are never deleted by the application (a withdrawn claim stays on record);
 *  - uq_restitution_payments_reverses lets a payment be reversed once, even by two concurrent requests.
 */
const RESTRICT_APP_ROLE = `
DO $$ BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'lintas_app') THEN
    REVOKE UPDATE, DELETE, TRUNCATE ON restitution_payments FROM lintas_app;
    REVOKE UPDATE, DELETE, TRUNCATE ON claim_responsibility_history FROM lintas_app;
    REVOKE DELETE, TRUNCATE ON restitution_claims FROM lintas_app;
  END IF;
END $$`;

const APPEND_ONLY = `
CREATE FUNCTION restitution_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only: record a reversing entry instead', TG_TABLE_NAME USING ERRCODE = '55000';
END $$`;

export class Restitution1796031078034 implements MigrationInterface {
    name = 'Restitution1796031078034'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            CREATE TYPE "public"."restitution_route" AS ENUM(
                'criminal_restitution_order',
                'civil_claim',
                'state_compensation_fund',
                'labour_back_pay',
                'settlement'
            )
        `);
        await queryRunner.query(`
            CREATE TYPE "public"."restitution_claim_status" AS ENUM(
                'preparing',
                'filed',
                'hearing',
                'awarded',
                'partially_paid',
                'paid',
                'rejected',
                'appealed',
                'unenforceable',
                'withdrawn'
            )
        `);
        await queryRunner.query(`
            CREATE TABLE "restitution_claims" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "case_id" uuid NOT NULL,
                "route" "public"."restitution_route" NOT NULL,
                "jurisdiction" character(2) NOT NULL,
                "forum" character varying(200),
                "forum_case_number" character varying(100),
                "currency" character(3) NOT NULL,
                "claimed_minor" numeric(38, 0) NOT NULL,
                "awarded_minor" numeric(38, 0),
                "status" "public"."restitution_claim_status" NOT NULL,
                "filed_at" date,
                "awarded_at" date,
                "filing_deadline" date,
                "appeal_deadline" date,
                "payment_due_at" date,
                "responsible_organisation_id" uuid NOT NULL,
                "survivor_contact_organisation_id" uuid,
                "notes_ciphertext" bytea,
                "status_reason_ciphertext" bytea,
                "version" integer NOT NULL DEFAULT '1',
                "created_by" uuid NOT NULL,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "ck_restitution_claims_contact_differs" CHECK (
                    "survivor_contact_organisation_id" IS NULL
                    OR "survivor_contact_organisation_id" <> "responsible_organisation_id"
                ),
                CONSTRAINT "ck_restitution_claims_version_positive" CHECK ("version" >= 1),
                CONSTRAINT "ck_restitution_claims_awarded_positive" CHECK (
                    "awarded_minor" IS NULL
                    OR "awarded_minor" > 0
                ),
                CONSTRAINT "ck_restitution_claims_claimed_positive" CHECK ("claimed_minor" > 0),
                CONSTRAINT "PK_962c1a0848d21885f070b18f8b1" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_restitution_claims_contact" ON "restitution_claims" ("survivor_contact_organisation_id")
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_restitution_claims_responsible" ON "restitution_claims" ("responsible_organisation_id")
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_restitution_claims_case" ON "restitution_claims" ("case_id", "created_at")
        `);
        await queryRunner.query(`
            CREATE TYPE "public"."claim_responsibility_cause" AS ENUM(
                'claim_created',
                'responsibility_moved',
                'survivor_contact_recorded',
                'case_ownership_transferred'
            )
        `);
        await queryRunner.query(`
            CREATE TABLE "claim_responsibility_history" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "seq" BIGSERIAL NOT NULL,
                "claim_id" uuid NOT NULL,
                "responsible_organisation_id" uuid NOT NULL,
                "survivor_contact_organisation_id" uuid,
                "cause" "public"."claim_responsibility_cause" NOT NULL,
                "changed_by_user_id" uuid,
                "changed_by_organisation_id" uuid,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "PK_f4c773fce68fababc8e3cd06e52" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_claim_responsibility_claim" ON "claim_responsibility_history" ("claim_id", "seq")
        `);
        await queryRunner.query(`
            CREATE TYPE "public"."restitution_payer" AS ENUM('offender', 'employer', 'state_fund', 'other')
        `);
        await queryRunner.query(`
            CREATE TYPE "public"."restitution_payment_method" AS ENUM(
                'bank_transfer',
                'cash',
                'mobile_money',
                'cheque',
                'other'
            )
        `);
        await queryRunner.query(`
            CREATE TABLE "restitution_payments" (
                "id" uuid NOT NULL,
                "seq" BIGSERIAL NOT NULL,
                "claim_id" uuid NOT NULL,
                "currency" character(3) NOT NULL,
                "amount_minor" numeric(38, 0) NOT NULL,
                "paid_at" date NOT NULL,
                "payer" "public"."restitution_payer" NOT NULL,
                "method" "public"."restitution_payment_method" NOT NULL,
                "recipient_country" character(2),
                "reference" character varying(100),
                "reverses_payment_id" uuid,
                "has_reason" boolean NOT NULL DEFAULT false,
                "reason_ciphertext" bytea,
                "recorded_by_user_id" uuid NOT NULL,
                "recorded_by_organisation_id" uuid NOT NULL,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "ck_restitution_payments_reversal_reason" CHECK (
                    ("reverses_payment_id" IS NULL) = ("has_reason" = false)
                ),
                CONSTRAINT "ck_restitution_payments_amount_positive" CHECK ("amount_minor" > 0),
                CONSTRAINT "PK_28f30b9a4725a7ab0e8fdbb56b1" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE UNIQUE INDEX "uq_restitution_payments_reverses" ON "restitution_payments" ("reverses_payment_id")
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_restitution_payments_claim" ON "restitution_payments" ("claim_id", "seq")
        `);
        await queryRunner.query(`
            ALTER TABLE "restitution_claims"
            ADD CONSTRAINT "FK_2423c009b79fbb5c4b3e1644968" FOREIGN KEY ("case_id") REFERENCES "cases"("id") ON DELETE RESTRICT ON UPDATE NO ACTION
        `);
        await queryRunner.query(`
            ALTER TABLE "restitution_claims"
            ADD CONSTRAINT "FK_b8ec0603f29aca8415a8fe4d367" FOREIGN KEY ("responsible_organisation_id") REFERENCES "organisations"("id") ON DELETE RESTRICT ON UPDATE NO ACTION
        `);
        await queryRunner.query(`
            ALTER TABLE "restitution_claims"
            ADD CONSTRAINT "FK_d71b18bf21d8dc2b7cb8fab52ee" FOREIGN KEY ("survivor_contact_organisation_id") REFERENCES "organisations"("id") ON DELETE RESTRICT ON UPDATE NO ACTION
        `);
        await queryRunner.query(`
            ALTER TABLE "claim_responsibility_history"
            ADD CONSTRAINT "FK_403a2ad222c7ed9985c927f7ec8" FOREIGN KEY ("claim_id") REFERENCES "restitution_claims"("id") ON DELETE RESTRICT ON UPDATE NO ACTION
        `);
        await queryRunner.query(`
            ALTER TABLE "claim_responsibility_history"
            ADD CONSTRAINT "FK_c6d0ad4ba97d7382a2d14819128" FOREIGN KEY ("responsible_organisation_id") REFERENCES "organisations"("id") ON DELETE RESTRICT ON UPDATE NO ACTION
        `);
        await queryRunner.query(`
            ALTER TABLE "claim_responsibility_history"
            ADD CONSTRAINT "FK_d236d68cb498c078a214a66c722" FOREIGN KEY ("survivor_contact_organisation_id") REFERENCES "organisations"("id") ON DELETE RESTRICT ON UPDATE NO ACTION
        `);
        await queryRunner.query(`
            ALTER TABLE "restitution_payments"
            ADD CONSTRAINT "FK_fb920cd134072fd28107f1ff31f" FOREIGN KEY ("claim_id") REFERENCES "restitution_claims"("id") ON DELETE RESTRICT ON UPDATE NO ACTION
        `);
        await queryRunner.query(`
            ALTER TABLE "restitution_payments"
            ADD CONSTRAINT "FK_714856bdd1aa2aad1dc9155ec29" FOREIGN KEY ("reverses_payment_id") REFERENCES "restitution_payments"("id") ON DELETE RESTRICT ON UPDATE NO ACTION
        `);
        await queryRunner.query(APPEND_ONLY);
        await queryRunner.query(`
            CREATE TRIGGER restitution_payments_append_only BEFORE UPDATE OR DELETE ON "restitution_payments"
            FOR EACH ROW EXECUTE FUNCTION restitution_append_only()
        `);
        await queryRunner.query(`
            CREATE TRIGGER claim_responsibility_history_append_only BEFORE UPDATE OR DELETE ON "claim_responsibility_history"
            FOR EACH ROW EXECUTE FUNCTION restitution_append_only()
        `);
        await queryRunner.query(RESTRICT_APP_ROLE);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            DROP TRIGGER claim_responsibility_history_append_only ON "claim_responsibility_history"
        `);
        await queryRunner.query(`
            DROP TRIGGER restitution_payments_append_only ON "restitution_payments"
        `);
        await queryRunner.query(`
            DROP FUNCTION restitution_append_only()
        `);
        await queryRunner.query(`
            ALTER TABLE "restitution_payments" DROP CONSTRAINT "FK_714856bdd1aa2aad1dc9155ec29"
        `);
        await queryRunner.query(`
            ALTER TABLE "restitution_payments" DROP CONSTRAINT "FK_fb920cd134072fd28107f1ff31f"
        `);
        await queryRunner.query(`
            ALTER TABLE "claim_responsibility_history" DROP CONSTRAINT "FK_d236d68cb498c078a214a66c722"
        `);
        await queryRunner.query(`
            ALTER TABLE "claim_responsibility_history" DROP CONSTRAINT "FK_c6d0ad4ba97d7382a2d14819128"
        `);
        await queryRunner.query(`
            ALTER TABLE "claim_responsibility_history" DROP CONSTRAINT "FK_403a2ad222c7ed9985c927f7ec8"
        `);
        await queryRunner.query(`
            ALTER TABLE "restitution_claims" DROP CONSTRAINT "FK_d71b18bf21d8dc2b7cb8fab52ee"
        `);
        await queryRunner.query(`
            ALTER TABLE "restitution_claims" DROP CONSTRAINT "FK_b8ec0603f29aca8415a8fe4d367"
        `);
        await queryRunner.query(`
            ALTER TABLE "restitution_claims" DROP CONSTRAINT "FK_2423c009b79fbb5c4b3e1644968"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_restitution_payments_claim"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."uq_restitution_payments_reverses"
        `);
        await queryRunner.query(`
            DROP TABLE "restitution_payments"
        `);
        await queryRunner.query(`
            DROP TYPE "public"."restitution_payment_method"
        `);
        await queryRunner.query(`
            DROP TYPE "public"."restitution_payer"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_claim_responsibility_claim"
        `);
        await queryRunner.query(`
            DROP TABLE "claim_responsibility_history"
        `);
        await queryRunner.query(`
            DROP TYPE "public"."claim_responsibility_cause"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_restitution_claims_case"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_restitution_claims_responsible"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_restitution_claims_contact"
        `);
        await queryRunner.query(`
            DROP TABLE "restitution_claims"
        `);
        await queryRunner.query(`
            DROP TYPE "public"."restitution_claim_status"
        `);
        await queryRunner.query(`
            DROP TYPE "public"."restitution_route"
        `);
    }

}
