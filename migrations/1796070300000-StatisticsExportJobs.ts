import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Issue 14: exports as background jobs: the job's period, format, status and progress (ids, codes and counts only).
 * Generated from the entity.
 */
export class StatisticsExportJobs1796070300000 implements MigrationInterface {
    name = 'StatisticsExportJobs1796070300000'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            CREATE TYPE "public"."statistics_export_job_status" AS ENUM('queued', 'running', 'done', 'failed')
        `);
        await queryRunner.query(`
            CREATE TABLE "statistics_export_jobs" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "period" character varying(7) NOT NULL,
                "format" character varying(20) NOT NULL,
                "status" "public"."statistics_export_job_status" NOT NULL DEFAULT 'queued',
                "progress" integer NOT NULL DEFAULT '0',
                "failure_reason" character varying(60),
                "requested_by_user_id" uuid,
                "requested_by_organisation_id" uuid NOT NULL,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "started_at" TIMESTAMP WITH TIME ZONE,
                "finished_at" TIMESTAMP WITH TIME ZONE,
                CONSTRAINT "PK_677f6b3db732c4f17492741940c" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_statistics_export_jobs_requester" ON "statistics_export_jobs" ("requested_by_organisation_id", "created_at")
        `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            DROP INDEX "public"."ix_statistics_export_jobs_requester"
        `);
        await queryRunner.query(`
            DROP TABLE "statistics_export_jobs"
        `);
        await queryRunner.query(`
            DROP TYPE "public"."statistics_export_job_status"
        `);
    }

}
