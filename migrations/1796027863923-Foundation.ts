import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * The application connects as `lintas_app`, which may read and write rows but owns nothing: it cannot change the schema
 * (and, from the audit migration on, cannot rewrite audit history). Migrations run as the owner. Where the role does not
 * exist (a single-role installation) the grants are skipped.
 */
const GRANT_APP_ROLE = `
DO $$ BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'lintas_app') THEN
    GRANT USAGE ON SCHEMA public TO lintas_app;
    GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO lintas_app;
    GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO lintas_app;
    ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO lintas_app;
    ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO lintas_app;
  END IF;
END $$`;

const REVOKE_APP_ROLE = `
DO $$ BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'lintas_app') THEN
    ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE SELECT, INSERT, UPDATE, DELETE ON TABLES FROM lintas_app;
    ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE USAGE, SELECT ON SEQUENCES FROM lintas_app;
    REVOKE SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public FROM lintas_app;
  END IF;
END $$`;

export class Foundation1796027863923 implements MigrationInterface {
    name = 'Foundation1796027863923'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            CREATE TABLE "auth_refresh_tokens" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "session_id" uuid NOT NULL,
                "token_hash" character(64) NOT NULL,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                "used_at" TIMESTAMP WITH TIME ZONE,
                CONSTRAINT "PK_df6893d2063a4ea7bbf1eda31e5" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_auth_refresh_tokens_session" ON "auth_refresh_tokens" ("session_id")
        `);
        await queryRunner.query(`
            CREATE UNIQUE INDEX "uq_auth_refresh_tokens_hash" ON "auth_refresh_tokens" ("token_hash")
        `);
        await queryRunner.query(`
            CREATE TABLE "auth_sessions" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "user_id" uuid NOT NULL,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                "revoked_at" TIMESTAMP WITH TIME ZONE,
                "revoked_reason" character varying(40),
                CONSTRAINT "PK_641507381f32580e8479efc36cd" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_auth_sessions_user" ON "auth_sessions" ("user_id")
        `);
        await queryRunner.query(`
            CREATE TYPE "public"."organisation_type" AS ENUM(
                'ngo',
                'law_enforcement',
                'health',
                'central_gov',
                'local_gov',
                'immigration',
                'legal',
                'corporate',
                'school'
            )
        `);
        await queryRunner.query(`
            CREATE TYPE "public"."organisation_node" AS ENUM('local', 'remote')
        `);
        await queryRunner.query(`
            CREATE TABLE "organisations" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "name" character varying(200) NOT NULL,
                "name_key" character varying(200) NOT NULL,
                "country" character(2) NOT NULL,
                "type" "public"."organisation_type" NOT NULL,
                "node" "public"."organisation_node" NOT NULL DEFAULT 'local',
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "PK_7bf54cba378d5b2f1d4c10ef4df" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE UNIQUE INDEX "uq_organisations_country_name" ON "organisations" ("country", "name_key")
        `);
        await queryRunner.query(`
            CREATE TABLE "outbox_events" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "type" character varying(80) NOT NULL,
                "payload" jsonb NOT NULL,
                "correlation_id" character varying(64),
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "available_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "dispatched_at" TIMESTAMP WITH TIME ZONE,
                "processed_at" TIMESTAMP WITH TIME ZONE,
                CONSTRAINT "PK_6689a16c00d09b8089f6237f1d2" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_outbox_pending" ON "outbox_events" ("available_at")
            WHERE dispatched_at IS NULL
        `);
        await queryRunner.query(`
            CREATE TYPE "public"."user_role" AS ENUM(
                'caseworker',
                'supervisor',
                'org_admin',
                'auditor',
                'platform_admin'
            )
        `);
        await queryRunner.query(`
            CREATE TABLE "users" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "organisation_id" uuid NOT NULL,
                "email" character varying(254) NOT NULL,
                "display_name" character varying(120) NOT NULL,
                "role" "public"."user_role" NOT NULL,
                "password_hash" character varying(255) NOT NULL,
                "disabled_at" TIMESTAMP WITH TIME ZONE,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "PK_a3ffb1c0c8416b9fc6f907b7433" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_users_organisation" ON "users" ("organisation_id")
        `);
        await queryRunner.query(`
            CREATE UNIQUE INDEX "uq_users_email" ON "users" ("email")
        `);
        await queryRunner.query(`
            ALTER TABLE "users"
            ADD CONSTRAINT "FK_2fc4294f8ec97da71d587dc5577" FOREIGN KEY ("organisation_id") REFERENCES "organisations"("id") ON DELETE RESTRICT ON UPDATE NO ACTION
        `);
            await queryRunner.query(GRANT_APP_ROLE);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(REVOKE_APP_ROLE);
        await queryRunner.query(`
            ALTER TABLE "users" DROP CONSTRAINT "FK_2fc4294f8ec97da71d587dc5577"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."uq_users_email"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_users_organisation"
        `);
        await queryRunner.query(`
            DROP TABLE "users"
        `);
        await queryRunner.query(`
            DROP TYPE "public"."user_role"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_outbox_pending"
        `);
        await queryRunner.query(`
            DROP TABLE "outbox_events"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."uq_organisations_country_name"
        `);
        await queryRunner.query(`
            DROP TABLE "organisations"
        `);
        await queryRunner.query(`
            DROP TYPE "public"."organisation_node"
        `);
        await queryRunner.query(`
            DROP TYPE "public"."organisation_type"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_auth_sessions_user"
        `);
        await queryRunner.query(`
            DROP TABLE "auth_sessions"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."uq_auth_refresh_tokens_hash"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_auth_refresh_tokens_session"
        `);
        await queryRunner.query(`
            DROP TABLE "auth_refresh_tokens"
        `);
    }

}
