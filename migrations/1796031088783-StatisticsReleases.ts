import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Statistics: the per-case fact rows the tables and the export read, and the published releases. Generated from
 * StatisticsCaseFactEntity and StatisticsReleaseEntity; added by hand: the trigger that keeps statistics_case_facts in
 * step with cases on every insert, update and delete (whatever code path writes the case), and the backfill of the
 * cases that exist already. The age band here must agree with ctdcAgeBand() in src/common/vocabulary/age-bands.ts
 * (a unit-free e2e test compares them). DML for lintas_app comes from the default privileges set in Foundation.
 */

export class StatisticsReleases1796031088783 implements MigrationInterface {
    name = 'StatisticsReleases1796031088783'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            CREATE TABLE "statistics_case_facts" (
                "case_id" uuid NOT NULL,
                "owner_organisation_id" uuid NOT NULL,
                "registered_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                "gender" character varying(32),
                "age_band" character varying(8),
                "minor" boolean,
                "citizenship" character varying(2) array NOT NULL DEFAULT '{}',
                "country_of_exploitation" character(2),
                "trafficking_status" character varying(32),
                "exploitation_types" character varying(32) array NOT NULL DEFAULT '{}',
                "means_of_control" character varying(40) array NOT NULL DEFAULT '{}',
                "recruitment_methods" character varying(40) array NOT NULL DEFAULT '{}',
                CONSTRAINT "PK_7d2583416b1fe1d2b6c73de1146" PRIMARY KEY ("case_id")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_statistics_case_facts_registered" ON "statistics_case_facts" ("registered_at")
        `);
        await queryRunner.query(`
            CREATE TABLE "statistics_releases" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "table_id" character varying(80) NOT NULL,
                "period" character varying(7) NOT NULL,
                "provisional" boolean NOT NULL,
                "data_cutoff" TIMESTAMP WITH TIME ZONE NOT NULL,
                "body" bytea NOT NULL,
                "sha256" character(64) NOT NULL,
                "entry_counts" integer array,
                "checked_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "uq_statistics_releases_table_period" UNIQUE ("table_id", "period"),
                CONSTRAINT "ck_statistics_releases_counts_only_provisional" CHECK (
                    "provisional"
                    OR "entry_counts" IS NULL
                ),
                CONSTRAINT "PK_7eaf16c8f93e4928f267a6acfe1" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE FUNCTION statistics_ctdc_age_band(age integer) RETURNS varchar LANGUAGE sql IMMUTABLE AS $$
                SELECT CASE
                    WHEN age IS NULL OR age < 0 THEN NULL
                    WHEN age < 9 THEN '0-8'
                    WHEN age < 18 THEN '9-17'
                    WHEN age < 21 THEN '18-20'
                    WHEN age < 24 THEN '21-23'
                    WHEN age < 27 THEN '24-26'
                    WHEN age < 30 THEN '27-29'
                    WHEN age < 39 THEN '30-38'
                    WHEN age < 48 THEN '39-47'
                    ELSE '48+'
                END
            $$
        `);
        await queryRunner.query(`
            CREATE FUNCTION statistics_case_facts_sync() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP = 'DELETE' THEN
                    DELETE FROM statistics_case_facts WHERE case_id = OLD.id;
                    RETURN OLD;
                END IF;
                INSERT INTO statistics_case_facts AS f (
                    case_id, owner_organisation_id, registered_at, gender, age_band, minor, citizenship,
                    country_of_exploitation, trafficking_status, exploitation_types, means_of_control, recruitment_methods
                ) VALUES (
                    NEW.id, NEW.owner_organisation_id, NEW.created_at, NEW.gender::text,
                    statistics_ctdc_age_band(NEW.age_when_trafficked), NEW.minor, NEW.citizenship::varchar(2)[],
                    NEW.country_of_exploitation, NEW.trafficking_status::text, NEW.exploitation_types::varchar(32)[],
                    NEW.means_of_control::varchar(40)[], NEW.recruitment_methods::varchar(40)[]
                )
                ON CONFLICT (case_id) DO UPDATE SET
                    owner_organisation_id = EXCLUDED.owner_organisation_id, registered_at = EXCLUDED.registered_at,
                    gender = EXCLUDED.gender, age_band = EXCLUDED.age_band, minor = EXCLUDED.minor,
                    citizenship = EXCLUDED.citizenship, country_of_exploitation = EXCLUDED.country_of_exploitation,
                    trafficking_status = EXCLUDED.trafficking_status, exploitation_types = EXCLUDED.exploitation_types,
                    means_of_control = EXCLUDED.means_of_control, recruitment_methods = EXCLUDED.recruitment_methods;
                RETURN NEW;
            END
            $$
        `);
        // Only the columns the facts copy: encrypting identity or bumping a version does not touch the facts.
        await queryRunner.query(`
            CREATE TRIGGER tr_cases_statistics_facts
            AFTER INSERT OR DELETE OR UPDATE OF owner_organisation_id, created_at, gender, age_when_trafficked, minor,
                citizenship, country_of_exploitation, trafficking_status, exploitation_types, means_of_control,
                recruitment_methods
            ON cases FOR EACH ROW EXECUTE FUNCTION statistics_case_facts_sync()
        `);
        await queryRunner.query(`
            INSERT INTO statistics_case_facts (
                case_id, owner_organisation_id, registered_at, gender, age_band, minor, citizenship,
                country_of_exploitation, trafficking_status, exploitation_types, means_of_control, recruitment_methods
            )
            SELECT id, owner_organisation_id, created_at, gender::text, statistics_ctdc_age_band(age_when_trafficked), minor,
                citizenship::varchar(2)[], country_of_exploitation, trafficking_status::text, exploitation_types::varchar(32)[],
                means_of_control::varchar(40)[], recruitment_methods::varchar(40)[]
            FROM cases
        `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`DROP TRIGGER tr_cases_statistics_facts ON cases`);
        await queryRunner.query(`DROP FUNCTION statistics_case_facts_sync()`);
        await queryRunner.query(`DROP FUNCTION statistics_ctdc_age_band(integer)`);
        await queryRunner.query(`
            DROP TABLE "statistics_releases"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_statistics_case_facts_registered"
        `);
        await queryRunner.query(`
            DROP TABLE "statistics_case_facts"
        `);
    }

}
