import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Federation between deployments: the partner registry, the replay table of accepted packet ids, and remote
 * organisations (reached through a partner; their id on the partner's deployment). The app role gets DML on the new
 * tables through the default privileges of the first migration.
 */
export class Federation1796028790052 implements MigrationInterface {
    name = 'Federation1796028790052'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            CREATE TYPE "public"."federation_partner_status" AS ENUM('active', 'suspended')
        `);
        await queryRunner.query(`
            CREATE TABLE "federation_partners" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "node_id" character varying(100) NOT NULL,
                "name" character varying(200) NOT NULL,
                "base_url" character varying(500) NOT NULL,
                "jwks" jsonb NOT NULL,
                "acceptance_deadline_hours" integer NOT NULL,
                "status" "public"."federation_partner_status" NOT NULL DEFAULT 'active',
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "PK_d8fd95ecf4cad1eb16122097eaa" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE UNIQUE INDEX "uq_federation_partners_node_id" ON "federation_partners" ("node_id")
        `);
        await queryRunner.query(`
            CREATE TABLE "federation_received_jti" (
                "partner_id" uuid NOT NULL,
                "jti" uuid NOT NULL,
                "typ" character varying(20) NOT NULL,
                "received_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                CONSTRAINT "PK_2d8a8df51575d99d324c9c60e31" PRIMARY KEY ("partner_id", "jti")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_federation_received_jti_expires" ON "federation_received_jti" ("expires_at")
        `);
        await queryRunner.query(`
            ALTER TABLE "organisations"
            ADD "partner_id" uuid
        `);
        await queryRunner.query(`
            ALTER TABLE "organisations"
            ADD "remote_organisation_id" character varying(100)
        `);
        await queryRunner.query(`
            CREATE UNIQUE INDEX "uq_organisations_partner_remote_id" ON "organisations" ("partner_id", "remote_organisation_id")
        `);
        await queryRunner.query(`
            ALTER TABLE "organisations"
            ADD CONSTRAINT "ck_organisations_remote_partner" CHECK (
                    (
                        node = 'local'
                        AND partner_id IS NULL
                        AND remote_organisation_id IS NULL
                    )
                    OR (
                        node = 'remote'
                        AND partner_id IS NOT NULL
                        AND remote_organisation_id IS NOT NULL
                    )
                )
        `);
        await queryRunner.query(`
            ALTER TABLE "federation_received_jti"
            ADD CONSTRAINT "FK_59aa4e6115c2600fc966c3f12bb" FOREIGN KEY ("partner_id") REFERENCES "federation_partners"("id") ON DELETE CASCADE ON UPDATE NO ACTION
        `);
        await queryRunner.query(`
            ALTER TABLE "organisations"
            ADD CONSTRAINT "FK_01fe91e48fd3add248fa3287ed6" FOREIGN KEY ("partner_id") REFERENCES "federation_partners"("id") ON DELETE RESTRICT ON UPDATE NO ACTION
        `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            ALTER TABLE "organisations" DROP CONSTRAINT "FK_01fe91e48fd3add248fa3287ed6"
        `);
        await queryRunner.query(`
            ALTER TABLE "federation_received_jti" DROP CONSTRAINT "FK_59aa4e6115c2600fc966c3f12bb"
        `);
        await queryRunner.query(`
            ALTER TABLE "organisations" DROP CONSTRAINT "ck_organisations_remote_partner"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."uq_organisations_partner_remote_id"
        `);
        await queryRunner.query(`
            ALTER TABLE "organisations" DROP COLUMN "remote_organisation_id"
        `);
        await queryRunner.query(`
            ALTER TABLE "organisations" DROP COLUMN "partner_id"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_federation_received_jti_expires"
        `);
        await queryRunner.query(`
            DROP TABLE "federation_received_jti"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."uq_federation_partners_node_id"
        `);
        await queryRunner.query(`
            DROP TABLE "federation_partners"
        `);
        await queryRunner.query(`
            DROP TYPE "public"."federation_partner_status"
        `);
    }

}
