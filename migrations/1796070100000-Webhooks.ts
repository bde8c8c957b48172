import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Issue 14: webhook subscriptions (secrets sealed under the master key), their deliveries (the body as sent, one
 * webhook-id each) and every attempt (time, status, duration, error code). Generated from the entities.
 */
export class Webhooks1796070100000 implements MigrationInterface {
    name = 'Webhooks1796070100000'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            CREATE TABLE "webhook_subscriptions" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "organisation_id" uuid NOT NULL,
                "url" character varying(2048) NOT NULL,
                "description" character varying(500) NOT NULL DEFAULT '',
                "events" text array NOT NULL,
                "enabled" boolean NOT NULL DEFAULT true,
                "disabled_reason" character varying(40),
                "disabled_at" TIMESTAMP WITH TIME ZONE,
                "consecutive_failures" integer NOT NULL DEFAULT '0',
                "secret_sealed" bytea NOT NULL,
                "secret_key_id" character varying(64) NOT NULL,
                "previous_secret_sealed" bytea,
                "previous_secret_key_id" character varying(64),
                "previous_secret_expires_at" TIMESTAMP WITH TIME ZONE,
                "created_by_user_id" uuid,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "ck_webhook_subscriptions_previous" CHECK (
                    (previous_secret_sealed IS NULL) = (previous_secret_expires_at IS NULL)
                ),
                CONSTRAINT "PK_bf631ae77d39849d599817fb6f4" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_webhook_subscriptions_organisation" ON "webhook_subscriptions" ("organisation_id", "created_at")
        `);
        await queryRunner.query(`
            CREATE TYPE "public"."webhook_delivery_status" AS ENUM('pending', 'delivered', 'failed')
        `);
        await queryRunner.query(`
            CREATE TABLE "webhook_deliveries" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "subscription_id" uuid NOT NULL,
                "source_event_id" uuid NOT NULL,
                "message_id" character varying(64) NOT NULL,
                "event_type" character varying(60) NOT NULL,
                "body" text NOT NULL,
                "status" "public"."webhook_delivery_status" NOT NULL DEFAULT 'pending',
                "attempts" integer NOT NULL DEFAULT '0',
                "attempt_limit" integer NOT NULL,
                "next_attempt_at" TIMESTAMP WITH TIME ZONE,
                "completed_at" TIMESTAMP WITH TIME ZONE,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "PK_535dd409947fb6d8fc6dfc0112a" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE UNIQUE INDEX "uq_webhook_deliveries_source" ON "webhook_deliveries" ("subscription_id", "source_event_id")
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_webhook_deliveries_subscription" ON "webhook_deliveries" ("subscription_id", "created_at")
        `);
        await queryRunner.query(`
            CREATE TABLE "webhook_attempts" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "delivery_id" uuid NOT NULL,
                "attempted_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                "response_status" integer,
                "duration_ms" integer NOT NULL,
                "error" character varying(40),
                "outcome" character varying(20) NOT NULL,
                CONSTRAINT "PK_2de7e7887ad97de459adab62638" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_webhook_attempts_delivery" ON "webhook_attempts" ("delivery_id", "attempted_at")
        `);
        await queryRunner.query(`
            ALTER TABLE "webhook_subscriptions"
            ADD CONSTRAINT "FK_680e763687602d9be5800e47ed2" FOREIGN KEY ("organisation_id") REFERENCES "organisations"("id") ON DELETE RESTRICT ON UPDATE NO ACTION
        `);
        await queryRunner.query(`
            ALTER TABLE "webhook_deliveries"
            ADD CONSTRAINT "FK_23eb2b6ae801c52cfb79a556b8a" FOREIGN KEY ("subscription_id") REFERENCES "webhook_subscriptions"("id") ON DELETE CASCADE ON UPDATE NO ACTION
        `);
        await queryRunner.query(`
            ALTER TABLE "webhook_attempts"
            ADD CONSTRAINT "FK_0d56d91d61b827bb2079c256538" FOREIGN KEY ("delivery_id") REFERENCES "webhook_deliveries"("id") ON DELETE CASCADE ON UPDATE NO ACTION
        `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            ALTER TABLE "webhook_attempts" DROP CONSTRAINT "FK_0d56d91d61b827bb2079c256538"
        `);
        await queryRunner.query(`
            ALTER TABLE "webhook_deliveries" DROP CONSTRAINT "FK_23eb2b6ae801c52cfb79a556b8a"
        `);
        await queryRunner.query(`
            ALTER TABLE "webhook_subscriptions" DROP CONSTRAINT "FK_680e763687602d9be5800e47ed2"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_webhook_attempts_delivery"
        `);
        await queryRunner.query(`
            DROP TABLE "webhook_attempts"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_webhook_deliveries_subscription"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."uq_webhook_deliveries_source"
        `);
        await queryRunner.query(`
            DROP TABLE "webhook_deliveries"
        `);
        await queryRunner.query(`
            DROP TYPE "public"."webhook_delivery_status"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_webhook_subscriptions_organisation"
        `);
        await queryRunner.query(`
            DROP TABLE "webhook_subscriptions"
        `);
    }

}
