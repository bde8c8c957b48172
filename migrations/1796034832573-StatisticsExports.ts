import { MigrationInterface, QueryRunner } from "typeorm";

export class StatisticsExports1796034832573 implements MigrationInterface {
    name = 'StatisticsExports1796034832573'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            CREATE TABLE "statistics_exports" (
                "period" character varying(7) NOT NULL,
                "rows" integer NOT NULL,
                "chunks" integer NOT NULL,
                "sha256" character(64) NOT NULL,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "PK_3d4c3cb8304374d4c9e0221c871" PRIMARY KEY ("period")
            )
        `);
        await queryRunner.query(`
            CREATE TABLE "statistics_export_chunks" (
                "period" character varying(7) NOT NULL,
                "seq" integer NOT NULL,
                "body" text NOT NULL,
                CONSTRAINT "PK_788db77888c4b86dc5278a70500" PRIMARY KEY ("period", "seq")
            )
        `);
        // A frozen export is written once: the application may add one, never change or remove it.
        await queryRunner.query(`
            DO $$ BEGIN
              IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'lintas_app') THEN
                REVOKE UPDATE, DELETE, TRUNCATE ON statistics_exports, statistics_export_chunks FROM lintas_app;
              END IF;
            END $$
        `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            DROP TABLE "statistics_export_chunks"
        `);
        await queryRunner.query(`
            DROP TABLE "statistics_exports"
        `);
    }

}
