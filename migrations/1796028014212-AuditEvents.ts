import { MigrationInterface, QueryRunner } from "typeorm";

export class AuditEvents1796028014212 implements MigrationInterface {
    name = 'AuditEvents1796028014212'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            CREATE TABLE "audit_events" (
                "id" bigint GENERATED ALWAYS AS IDENTITY NOT NULL,
                "occurred_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT clock_timestamp(),
                "actor_user_id" uuid,
                "actor_organisation_id" uuid,
                "actor_role" character varying(20),
                "action" character varying(60) NOT NULL,
                "record_type" character varying(40) NOT NULL,
                "record_id" character varying(64),
                "purpose" character varying(40),
                "correlation_id" character varying(64),
                "details" jsonb,
                CONSTRAINT "PK_910f64d901a5c3e9878f0d4a407" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_audit_events_record" ON "audit_events" ("record_type", "record_id", "id")
        `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            DROP INDEX "public"."ix_audit_events_record"
        `);
        await queryRunner.query(`
            DROP TABLE "audit_events"
        `);
    }

}
