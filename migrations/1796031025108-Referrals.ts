import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Referrals, their history and their milestones. Generated from the entities (the duplicated CREATE TYPE statements
 * the generator writes for enums shared by two tables were removed); added by hand: the history is append-only for the
 * application role, as the audit log is.
 */
const APPEND_ONLY_HISTORY = `
DO $$ BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'lintas_app') THEN
    REVOKE UPDATE, DELETE, TRUNCATE ON referral_events FROM lintas_app;
    REVOKE DELETE, TRUNCATE ON referrals, referral_milestones FROM lintas_app;
  END IF;
END $$`;

export class Referrals1796031025108 implements MigrationInterface {
    name = 'Referrals1796031025108'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            CREATE TYPE "public"."referral_status" AS ENUM(
                'draft',
                'submitted',
                'approved',
                'sent',
                'received',
                'accepted',
                'rejected',
                'in_progress',
                'completed',
                'cancelled',
                'failed',
                'recalled'
            )
        `);
        await queryRunner.query(`
            CREATE TYPE "public"."referral_delivery_failure" AS ENUM(
                'consent_not_covering',
                'remote_delivery_not_configured',
                'partner_refused',
                'retries_exhausted'
            )
        `);
        await queryRunner.query(`
            CREATE TABLE "referrals" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "case_id" uuid NOT NULL,
                "sending_organisation_id" uuid NOT NULL,
                "receiving_organisation_id" uuid NOT NULL,
                "responsible_user_id" uuid NOT NULL,
                "purpose" "public"."consent_purpose" NOT NULL,
                "data_categories" "public"."consent_data_category" array NOT NULL,
                "reason" text NOT NULL,
                "cross_border" boolean NOT NULL,
                "transfer_ownership" boolean NOT NULL DEFAULT false,
                "status" "public"."referral_status" NOT NULL DEFAULT 'draft',
                "version" integer NOT NULL DEFAULT '1',
                "consent_ids" uuid array NOT NULL DEFAULT '{}',
                "sent_at" TIMESTAMP WITH TIME ZONE,
                "received_at" TIMESTAMP WITH TIME ZONE,
                "acceptance_due_at" TIMESTAMP WITH TIME ZONE,
                "accepted_at" TIMESTAMP WITH TIME ZONE,
                "failure_reason" "public"."referral_delivery_failure",
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "ck_referrals_version_positive" CHECK ("version" >= 1),
                CONSTRAINT "ck_referrals_categories_not_empty" CHECK (cardinality(data_categories) > 0),
                CONSTRAINT "ck_referrals_distinct_sides" CHECK (
                    sending_organisation_id <> receiving_organisation_id
                ),
                CONSTRAINT "PK_ea9980e34f738b6252817326c08" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_referrals_case" ON "referrals" ("case_id")
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_referrals_receiving" ON "referrals" ("receiving_organisation_id", "created_at")
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_referrals_sending" ON "referrals" ("sending_organisation_id", "created_at")
        `);
        await queryRunner.query(`
            CREATE TYPE "public"."referral_event_kind" AS ENUM('transition', 'milestone')
        `);
        await queryRunner.query(`
            CREATE TYPE "public"."referral_milestone" AS ENUM(
                'home_state_notified',
                'nationality_verified',
                'travel_documents_issued',
                'departed',
                'arrived',
                'reception_confirmed'
            )
        `);
        await queryRunner.query(`
            CREATE TYPE "public"."referral_actor_kind" AS ENUM('user', 'partner', 'system')
        `);
        await queryRunner.query(`
            CREATE TABLE "referral_events" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "referral_id" uuid NOT NULL,
                "kind" "public"."referral_event_kind" NOT NULL,
                "from_status" "public"."referral_status",
                "to_status" "public"."referral_status",
                "milestone" "public"."referral_milestone",
                "skipped" boolean NOT NULL DEFAULT false,
                "actor_kind" "public"."referral_actor_kind" NOT NULL,
                "actor_user_id" uuid,
                "actor_organisation_id" uuid,
                "reason" text,
                "note" text,
                "details" jsonb,
                "occurred_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "recorded_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "ck_referral_events_shape" CHECK (
                    (
                        kind = 'transition'
                        AND to_status IS NOT NULL
                        AND milestone IS NULL
                    )
                    OR (
                        kind = 'milestone'
                        AND milestone IS NOT NULL
                    )
                ),
                CONSTRAINT "PK_850a7d8ea24a8e90aba261d0190" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_referral_events_referral" ON "referral_events" ("referral_id", "occurred_at")
        `);
        await queryRunner.query(`
            CREATE TYPE "public"."referral_milestone_state" AS ENUM('pending', 'done', 'skipped')
        `);
        await queryRunner.query(`
            CREATE TABLE "referral_milestones" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "referral_id" uuid NOT NULL,
                "milestone" "public"."referral_milestone" NOT NULL,
                "state" "public"."referral_milestone_state" NOT NULL DEFAULT 'pending',
                "due_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                "occurred_at" TIMESTAMP WITH TIME ZONE,
                "recorded_at" TIMESTAMP WITH TIME ZONE,
                "recorded_by_user_id" uuid,
                "recorded_by_organisation_id" uuid,
                "note" text,
                "skip_reason" text,
                CONSTRAINT "ck_referral_milestones_skip_reason" CHECK (
                    state <> 'skipped'
                    OR skip_reason IS NOT NULL
                ),
                CONSTRAINT "ck_referral_milestones_recorded" CHECK (
                    (
                        state = 'pending'
                        AND recorded_at IS NULL
                    )
                    OR (
                        state <> 'pending'
                        AND recorded_at IS NOT NULL
                        AND occurred_at IS NOT NULL
                    )
                ),
                CONSTRAINT "PK_8f6b2040fda9abe79ef371f7174" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE UNIQUE INDEX "uq_referral_milestones" ON "referral_milestones" ("referral_id", "milestone")
        `);
        await queryRunner.query(`
            ALTER TABLE "referrals"
            ADD CONSTRAINT "FK_68ab334842810ff933271725799" FOREIGN KEY ("case_id") REFERENCES "cases"("id") ON DELETE RESTRICT ON UPDATE NO ACTION
        `);
        await queryRunner.query(`
            ALTER TABLE "referrals"
            ADD CONSTRAINT "FK_16a48651e9267c86b77d9aeb9c7" FOREIGN KEY ("sending_organisation_id") REFERENCES "organisations"("id") ON DELETE RESTRICT ON UPDATE NO ACTION
        `);
        await queryRunner.query(`
            ALTER TABLE "referrals"
            ADD CONSTRAINT "FK_0bbb93e618c705191fc82cd0f60" FOREIGN KEY ("receiving_organisation_id") REFERENCES "organisations"("id") ON DELETE RESTRICT ON UPDATE NO ACTION
        `);
        await queryRunner.query(`
            ALTER TABLE "referrals"
            ADD CONSTRAINT "FK_0ddeb0e203db082a32445bff36e" FOREIGN KEY ("responsible_user_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE NO ACTION
        `);
        await queryRunner.query(`
            ALTER TABLE "referral_events"
            ADD CONSTRAINT "FK_f784bd7780f323ff43ff4d9eadb" FOREIGN KEY ("referral_id") REFERENCES "referrals"("id") ON DELETE RESTRICT ON UPDATE NO ACTION
        `);
        await queryRunner.query(`
            ALTER TABLE "referral_milestones"
            ADD CONSTRAINT "FK_8c7f3e19544969718243ff532d2" FOREIGN KEY ("referral_id") REFERENCES "referrals"("id") ON DELETE RESTRICT ON UPDATE NO ACTION
        `);
        await queryRunner.query(APPEND_ONLY_HISTORY);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            ALTER TABLE "referral_milestones" DROP CONSTRAINT "FK_8c7f3e19544969718243ff532d2"
        `);
        await queryRunner.query(`
            ALTER TABLE "referral_events" DROP CONSTRAINT "FK_f784bd7780f323ff43ff4d9eadb"
        `);
        await queryRunner.query(`
            ALTER TABLE "referrals" DROP CONSTRAINT "FK_0ddeb0e203db082a32445bff36e"
        `);
        await queryRunner.query(`
            ALTER TABLE "referrals" DROP CONSTRAINT "FK_0bbb93e618c705191fc82cd0f60"
        `);
        await queryRunner.query(`
            ALTER TABLE "referrals" DROP CONSTRAINT "FK_16a48651e9267c86b77d9aeb9c7"
        `);
        await queryRunner.query(`
            ALTER TABLE "referrals" DROP CONSTRAINT "FK_68ab334842810ff933271725799"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."uq_referral_milestones"
        `);
        await queryRunner.query(`
            DROP TABLE "referral_milestones"
        `);
        await queryRunner.query(`
            DROP TYPE "public"."referral_milestone_state"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_referral_events_referral"
        `);
        await queryRunner.query(`
            DROP TABLE "referral_events"
        `);
        await queryRunner.query(`
            DROP TYPE "public"."referral_actor_kind"
        `);
        await queryRunner.query(`
            DROP TYPE "public"."referral_event_kind"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_referrals_sending"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_referrals_receiving"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_referrals_case"
        `);
        await queryRunner.query(`
            DROP TABLE "referrals"
        `);
        await queryRunner.query(`
            DROP TYPE "public"."referral_delivery_failure"
        `);
        await queryRunner.query(`
            DROP TYPE "public"."referral_status"
        `);
        await queryRunner.query(`
            DROP TYPE "public"."referral_milestone"
        `);
    }
}
