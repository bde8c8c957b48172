import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Issue 14: e-mail preferences (a person's own, an organisation's default) and the record of e-mails sent (one per
 * person and alert or day; no address, no content). Generated from the entities.
 */
export class Notifications1796070200000 implements MigrationInterface {
    name = 'Notifications1796070200000'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            CREATE TYPE "public"."email_mode" AS ENUM('immediate', 'daily', 'off')
        `);
        await queryRunner.query(`
            CREATE TABLE "notification_preferences" (
                "user_id" uuid NOT NULL,
                "email" "public"."email_mode" NOT NULL,
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "PK_64c90edc7310c6be7c10c96f675" PRIMARY KEY ("user_id")
            )
        `);
        await queryRunner.query(`
            CREATE TABLE "organisation_notification_defaults" (
                "organisation_id" uuid NOT NULL,
                "email" "public"."email_mode" NOT NULL,
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "PK_67f0a36c6797c60c72ce93d2366" PRIMARY KEY ("organisation_id")
            )
        `);
        await queryRunner.query(`
            CREATE TABLE "notification_emails" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "user_id" uuid NOT NULL,
                "kind" character varying(10) NOT NULL,
                "key" character varying(64) NOT NULL,
                "sent_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "PK_04a102f5dca41e6254c988be0f6" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE UNIQUE INDEX "uq_notification_emails_key" ON "notification_emails" ("user_id", "kind", "key")
        `);
        await queryRunner.query(`
            ALTER TABLE "notification_preferences"
            ADD CONSTRAINT "FK_64c90edc7310c6be7c10c96f675" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION
        `);
        await queryRunner.query(`
            ALTER TABLE "organisation_notification_defaults"
            ADD CONSTRAINT "FK_67f0a36c6797c60c72ce93d2366" FOREIGN KEY ("organisation_id") REFERENCES "organisations"("id") ON DELETE CASCADE ON UPDATE NO ACTION
        `);
        await queryRunner.query(`
            ALTER TABLE "notification_emails"
            ADD CONSTRAINT "FK_161ff2c2499d0b5da8a4d7200fd" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION
        `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            ALTER TABLE "notification_emails" DROP CONSTRAINT "FK_161ff2c2499d0b5da8a4d7200fd"
        `);
        await queryRunner.query(`
            ALTER TABLE "organisation_notification_defaults" DROP CONSTRAINT "FK_67f0a36c6797c60c72ce93d2366"
        `);
        await queryRunner.query(`
            ALTER TABLE "notification_preferences" DROP CONSTRAINT "FK_64c90edc7310c6be7c10c96f675"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."uq_notification_emails_key"
        `);
        await queryRunner.query(`
            DROP TABLE "notification_emails"
        `);
        await queryRunner.query(`
            DROP TABLE "organisation_notification_defaults"
        `);
        await queryRunner.query(`
            DROP TABLE "notification_preferences"
        `);
        await queryRunner.query(`
            DROP TYPE "public"."email_mode"
        `);
    }

}
