import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Cases with identity encrypted at rest: cases (identity columns hold AES-256-GCM ciphertext only), case_keys (each
 * case's wrapped data key), case_blind_indexes (HMAC of document numbers), case_reference_counters, break-glass grants.
 * Hand-added: the application role may not DELETE data keys or break-glass grants (crypto-shredding nulls the wrapped
 * key and keeps the row; a grant is evidence of access), nor delete reference counters (a reused reference would
 * point two people at one number).
 */
const RESTRICT_APP_ROLE = `
DO $$ BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'lintas_app') THEN
    REVOKE DELETE, TRUNCATE ON case_keys, case_break_glass_grants, case_reference_counters FROM lintas_app;
  END IF;
END $$`;

export class Cases1796028332643 implements MigrationInterface {
    name = 'Cases1796028332643'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            CREATE TYPE "public"."case_status" AS ENUM(
                'active',
                'follow_up',
                'closed',
                'closed_referred'
            )
        `);
        await queryRunner.query(`
            CREATE TYPE "public"."case_gender" AS ENUM(
                'feminine',
                'masculine',
                'transgender_feminine',
                'transgender_masculine',
                'non_conforming',
                'not_specified'
            )
        `);
        await queryRunner.query(`
            CREATE TYPE "public"."trafficking_status" AS ENUM('possible', 'actual', 'not_a_victim')
        `);
        await queryRunner.query(`
            CREATE TYPE "public"."exploitation_type" AS ENUM(
                'forced_labour',
                'sexual_exploitation',
                'child_labour',
                'forced_marriage',
                'servitude',
                'forced_military',
                'organ_removal',
                'forced_begging',
                'forced_adoption',
                'surrogacy',
                'forced_criminality',
                'other'
            )
        `);
        await queryRunner.query(`
            CREATE TYPE "public"."means_of_control" AS ENUM(
                'debt_bondage',
                'takes_earnings',
                'threats',
                'threats_against_family',
                'psychological_abuse',
                'physical_abuse',
                'sexual_abuse',
                'false_promises',
                'psychoactive_substances',
                'restricts_movement',
                'restricts_medical_care',
                'excessive_working_hours',
                'withholds_necessities',
                'withholds_documents',
                'threat_of_law_enforcement',
                'isolation',
                'other'
            )
        `);
        await queryRunner.query(`
            CREATE TYPE "public"."recruitment_method" AS ENUM(
                'job_offer',
                'online_advertisement',
                'social_media_contact',
                'labour_broker',
                'intimate_partner',
                'family_member',
                'friend_or_acquaintance',
                'marriage_offer',
                'education_offer',
                'sold_by_family',
                'abduction',
                'other'
            )
        `);
        await queryRunner.query(`
            CREATE TYPE "public"."recruitment_platform" AS ENUM(
                'facebook',
                'telegram',
                'whatsapp',
                'line',
                'wechat',
                'tiktok',
                'instagram',
                'viber',
                'zalo',
                'dating_app',
                'job_website',
                'other_online',
                'offline'
            )
        `);
        await queryRunner.query(`
            CREATE TYPE "public"."risk_level" AS ENUM('low', 'medium', 'high', 'critical')
        `);
        await queryRunner.query(`
            CREATE TYPE "public"."immigration_status" AS ENUM(
                'citizen',
                'regular_resident',
                'regular_migrant_worker',
                'victim_temporary_permit',
                'asylum_seeker',
                'refugee',
                'stateless',
                'irregular',
                'pending',
                'unknown'
            )
        `);
        await queryRunner.query(`
            CREATE TYPE "public"."detention_status" AS ENUM(
                'not_detained',
                'immigration_detention',
                'police_custody',
                'pretrial_detention',
                'serving_sentence',
                'released',
                'unknown'
            )
        `);
        await queryRunner.query(`
            CREATE TYPE "public"."non_punishment_assessment" AS ENUM(
                'not_assessed',
                'in_progress',
                'applies',
                'does_not_apply',
                'not_applicable'
            )
        `);
        await queryRunner.query(`
            CREATE TYPE "public"."case_closure_reason" AS ENUM(
                'services_completed',
                'reintegrated',
                'returned_home',
                'referred_to_other_organisation',
                'transferred_jurisdiction',
                'declined_services',
                'lost_contact',
                'deceased',
                'not_a_victim',
                'duplicate_record',
                'other'
            )
        `);
        await queryRunner.query(`
            CREATE TABLE "cases" (
                "id" uuid NOT NULL,
                "reference" character varying(24) NOT NULL,
                "owner_organisation_id" uuid NOT NULL,
                "assigned_caseworker_id" uuid,
                "status" "public"."case_status" NOT NULL DEFAULT 'active',
                "version" integer NOT NULL DEFAULT '1',
                "identity_given_name" bytea,
                "identity_family_name" bytea,
                "identity_date_of_birth" bytea,
                "identity_documents" bytea,
                "identity_phone" bytea,
                "identity_email" bytea,
                "identity_current_location" bytea,
                "identity_erased_at" TIMESTAMP WITH TIME ZONE,
                "gender" "public"."case_gender",
                "citizenship" character varying(2) array NOT NULL DEFAULT '{}',
                "languages" character varying(3) array NOT NULL DEFAULT '{}',
                "minor" boolean,
                "trafficking_status" "public"."trafficking_status",
                "trafficking_status_decided_by_organisation_id" uuid,
                "trafficking_status_decided_at" date,
                "exploitation_types" "public"."exploitation_type" array NOT NULL DEFAULT '{}',
                "means_of_control" "public"."means_of_control" array NOT NULL DEFAULT '{}',
                "recruitment_methods" "public"."recruitment_method" array NOT NULL DEFAULT '{}',
                "recruitment_platforms" "public"."recruitment_platform" array NOT NULL DEFAULT '{}',
                "country_of_recruitment" character(2),
                "country_of_exploitation" character(2),
                "age_when_trafficked" smallint,
                "risk_level" "public"."risk_level",
                "risk_assessed_at" date,
                "danger_flag" boolean NOT NULL DEFAULT false,
                "reflection_period_start" date,
                "reflection_period_end" date,
                "immigration_status" "public"."immigration_status",
                "detention_status" "public"."detention_status",
                "non_punishment_assessment" "public"."non_punishment_assessment",
                "objects_to_home_state_notification" boolean NOT NULL DEFAULT false,
                "legal_proceedings" jsonb NOT NULL DEFAULT '[]',
                "closure_reason" "public"."case_closure_reason",
                "closed_at" TIMESTAMP WITH TIME ZONE,
                "closed_by" uuid,
                "created_by" uuid NOT NULL,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "ck_cases_reflection_period" CHECK (
                    "reflection_period_start" IS NULL
                    OR "reflection_period_end" IS NULL
                    OR "reflection_period_start" <= "reflection_period_end"
                ),
                CONSTRAINT "ck_cases_age_when_trafficked" CHECK (
                    "age_when_trafficked" IS NULL
                    OR (
                        "age_when_trafficked" >= 0
                        AND "age_when_trafficked" <= 120
                    )
                ),
                CONSTRAINT "ck_cases_version_positive" CHECK ("version" >= 1),
                CONSTRAINT "PK_264acb3048c240fb89aa34626db" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE UNIQUE INDEX "uq_cases_reference" ON "cases" ("reference")
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_cases_assigned" ON "cases" ("assigned_caseworker_id")
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_cases_owner_created" ON "cases" ("owner_organisation_id", "created_at", "id")
        `);
        await queryRunner.query(`
            CREATE TABLE "case_break_glass_grants" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "case_id" uuid NOT NULL,
                "user_id" uuid NOT NULL,
                "organisation_id" uuid NOT NULL,
                "reason_ciphertext" bytea,
                "granted_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                "reviewed_at" TIMESTAMP WITH TIME ZONE,
                "reviewed_by" uuid,
                CONSTRAINT "PK_58e5fbc8edd5e42d84511a3db4c" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_break_glass_case_user" ON "case_break_glass_grants" ("case_id", "user_id", "expires_at")
        `);
        await queryRunner.query(`
            CREATE TABLE "case_blind_indexes" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "case_id" uuid NOT NULL,
                "kind" character varying(30) NOT NULL DEFAULT 'identity_document',
                "digest" bytea NOT NULL,
                CONSTRAINT "PK_fc4b12989568b0e1b037f406d57" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_case_blind_indexes_case" ON "case_blind_indexes" ("case_id")
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_case_blind_indexes_digest" ON "case_blind_indexes" ("digest")
        `);
        await queryRunner.query(`
            CREATE TABLE "case_keys" (
                "case_id" uuid NOT NULL,
                "master_key_id" character varying(32) NOT NULL,
                "wrapped_key" bytea,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "rewrapped_at" TIMESTAMP WITH TIME ZONE,
                "destroyed_at" TIMESTAMP WITH TIME ZONE,
                CONSTRAINT "ck_case_keys_destroyed" CHECK (
                    ("wrapped_key" IS NULL) = ("destroyed_at" IS NOT NULL)
                ),
                CONSTRAINT "PK_9837ce1e25fec9f743a67f3690b" PRIMARY KEY ("case_id")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_case_keys_master_key" ON "case_keys" ("master_key_id")
            WHERE wrapped_key IS NOT NULL
        `);
        await queryRunner.query(`
            CREATE TABLE "case_reference_counters" (
                "country" character(2) NOT NULL,
                "year" smallint NOT NULL,
                "last_value" integer NOT NULL,
                CONSTRAINT "PK_fabc140d6118987f4e70247455e" PRIMARY KEY ("country", "year")
            )
        `);
        await queryRunner.query(`
            ALTER TABLE "cases"
            ADD CONSTRAINT "FK_dc4468c50d0c685eed546f7671a" FOREIGN KEY ("owner_organisation_id") REFERENCES "organisations"("id") ON DELETE RESTRICT ON UPDATE NO ACTION
        `);
        await queryRunner.query(`
            ALTER TABLE "cases"
            ADD CONSTRAINT "FK_c003fba1d1c76cb1346b2484396" FOREIGN KEY ("assigned_caseworker_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE NO ACTION
        `);
        await queryRunner.query(`
            ALTER TABLE "case_break_glass_grants"
            ADD CONSTRAINT "FK_8a37cfcb85305ce6198ad7715dc" FOREIGN KEY ("case_id") REFERENCES "cases"("id") ON DELETE RESTRICT ON UPDATE NO ACTION
        `);
        await queryRunner.query(`
            ALTER TABLE "case_break_glass_grants"
            ADD CONSTRAINT "FK_afa2c112cb5e217c62a17ef63b7" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE NO ACTION
        `);
        await queryRunner.query(`
            ALTER TABLE "case_blind_indexes"
            ADD CONSTRAINT "FK_6ac25947ee31ac2a037c5247062" FOREIGN KEY ("case_id") REFERENCES "cases"("id") ON DELETE CASCADE ON UPDATE NO ACTION
        `);
        await queryRunner.query(`
            ALTER TABLE "case_keys"
            ADD CONSTRAINT "FK_9837ce1e25fec9f743a67f3690b" FOREIGN KEY ("case_id") REFERENCES "cases"("id") ON DELETE RESTRICT ON UPDATE NO ACTION
        `);
        await queryRunner.query(RESTRICT_APP_ROLE);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            ALTER TABLE "case_keys" DROP CONSTRAINT "FK_9837ce1e25fec9f743a67f3690b"
        `);
        await queryRunner.query(`
            ALTER TABLE "case_blind_indexes" DROP CONSTRAINT "FK_6ac25947ee31ac2a037c5247062"
        `);
        await queryRunner.query(`
            ALTER TABLE "case_break_glass_grants" DROP CONSTRAINT "FK_afa2c112cb5e217c62a17ef63b7"
        `);
        await queryRunner.query(`
            ALTER TABLE "case_break_glass_grants" DROP CONSTRAINT "FK_8a37cfcb85305ce6198ad7715dc"
        `);
        await queryRunner.query(`
            ALTER TABLE "cases" DROP CONSTRAINT "FK_c003fba1d1c76cb1346b2484396"
        `);
        await queryRunner.query(`
            ALTER TABLE "cases" DROP CONSTRAINT "FK_dc4468c50d0c685eed546f7671a"
        `);
        await queryRunner.query(`
            DROP TABLE "case_reference_counters"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_case_keys_master_key"
        `);
        await queryRunner.query(`
            DROP TABLE "case_keys"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_case_blind_indexes_digest"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_case_blind_indexes_case"
        `);
        await queryRunner.query(`
            DROP TABLE "case_blind_indexes"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_break_glass_case_user"
        `);
        await queryRunner.query(`
            DROP TABLE "case_break_glass_grants"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_cases_owner_created"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_cases_assigned"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."uq_cases_reference"
        `);
        await queryRunner.query(`
            DROP TABLE "cases"
        `);
        await queryRunner.query(`
            DROP TYPE "public"."case_closure_reason"
        `);
        await queryRunner.query(`
            DROP TYPE "public"."non_punishment_assessment"
        `);
        await queryRunner.query(`
            DROP TYPE "public"."detention_status"
        `);
        await queryRunner.query(`
            DROP TYPE "public"."immigration_status"
        `);
        await queryRunner.query(`
            DROP TYPE "public"."risk_level"
        `);
        await queryRunner.query(`
            DROP TYPE "public"."recruitment_platform"
        `);
        await queryRunner.query(`
            DROP TYPE "public"."recruitment_method"
        `);
        await queryRunner.query(`
            DROP TYPE "public"."means_of_control"
        `);
        await queryRunner.query(`
            DROP TYPE "public"."exploitation_type"
        `);
        await queryRunner.query(`
            DROP TYPE "public"."trafficking_status"
        `);
        await queryRunner.query(`
            DROP TYPE "public"."case_gender"
        `);
        await queryRunner.query(`
            DROP TYPE "public"."case_status"
        `);
    }

}
