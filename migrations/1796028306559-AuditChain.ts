import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * The audit trail becomes a hash chain and append-only in the database itself.
 *
 * - audit_events gains the seal columns (chain_seq, prev_hash, hash, sealed_at) that the worker's sealer sets once.
 * - A row trigger refuses every UPDATE and DELETE, except the sealer's one-time setting of the four seal columns on a
 *   still-unsealed row with every other column unchanged (compared as whole rows, so a column added later is covered
 *   without touching the trigger), and refuses an INSERT that arrives already "sealed" (which would let a writer put
 *   an event of its own making into the chain, or a bogus hash that no one could ever remove). A statement trigger
 *   refuses TRUNCATE. They bind the table owner too.
 * - lintas_app keeps SELECT and INSERT, and may UPDATE only the four seal columns: no DELETE, no TRUNCATE.
 * - audit_checkpoints (signed head hashes) is insert-only in the same way.
 * A superuser can still disable triggers; that is what the hash chain and the signed checkpoints are for.
 */
const GUARD_FUNCTIONS = `
CREATE FUNCTION audit_events_guard() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  IF TG_OP = 'INSERT' THEN
    IF NEW.chain_seq IS NULL AND NEW.prev_hash IS NULL AND NEW.hash IS NULL AND NEW.sealed_at IS NULL THEN
      RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit_events: an event is inserted unsealed; only the sealer seals it';
  END IF;
  IF TG_OP = 'UPDATE'
     AND OLD.sealed_at IS NULL AND OLD.chain_seq IS NULL AND OLD.prev_hash IS NULL AND OLD.hash IS NULL
     AND NEW.sealed_at IS NOT NULL AND NEW.chain_seq IS NOT NULL AND NEW.prev_hash IS NOT NULL AND NEW.hash IS NOT NULL
     AND (to_jsonb(NEW) - 'chain_seq' - 'prev_hash' - 'hash' - 'sealed_at')
         = (to_jsonb(OLD) - 'chain_seq' - 'prev_hash' - 'hash' - 'sealed_at')
  THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'audit_events is append-only: % refused', TG_OP
    USING HINT = 'Only the sealer may set chain_seq, prev_hash, hash and sealed_at, once, on an unsealed event';
END
$fn$;

CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP;
END
$fn$;

CREATE TRIGGER audit_events_append_only BEFORE INSERT OR UPDATE OR DELETE ON audit_events
  FOR EACH ROW EXECUTE FUNCTION audit_events_guard();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
  FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_checkpoints_append_only BEFORE UPDATE OR DELETE ON audit_checkpoints
  FOR EACH ROW EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_checkpoints_no_truncate BEFORE TRUNCATE ON audit_checkpoints
  FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();
`;

const DROP_GUARD_FUNCTIONS = `
DROP TRIGGER audit_checkpoints_no_truncate ON audit_checkpoints;
DROP TRIGGER audit_checkpoints_append_only ON audit_checkpoints;
DROP TRIGGER audit_events_no_truncate ON audit_events;
DROP TRIGGER audit_events_append_only ON audit_events;
DROP FUNCTION audit_append_only();
DROP FUNCTION audit_events_guard();
`;

/** Revoking a table-level privilege also revokes the column-level ones, so the column grant comes after. */
const APP_ROLE_GRANTS = `
DO $$ BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'lintas_app') THEN
    REVOKE UPDATE, DELETE, TRUNCATE ON audit_events FROM lintas_app;
    GRANT SELECT, INSERT ON audit_events TO lintas_app;
    GRANT UPDATE (chain_seq, prev_hash, hash, sealed_at) ON audit_events TO lintas_app;
    REVOKE UPDATE, DELETE, TRUNCATE ON audit_checkpoints FROM lintas_app;
    GRANT SELECT, INSERT ON audit_checkpoints TO lintas_app;
  END IF;
END $$`;

const RESTORE_APP_ROLE_GRANTS = `
DO $$ BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'lintas_app') THEN
    REVOKE UPDATE (chain_seq, prev_hash, hash, sealed_at) ON audit_events FROM lintas_app;
    GRANT SELECT, INSERT, UPDATE, DELETE ON audit_events TO lintas_app;
  END IF;
END $$`;

export class AuditChain1796028306559 implements MigrationInterface {
    name = 'AuditChain1796028306559'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            CREATE TABLE "audit_checkpoints" (
                "id" bigint GENERATED ALWAYS AS IDENTITY NOT NULL,
                "chain_seq" bigint NOT NULL,
                "head_hash" character(64) NOT NULL,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                "kid" character varying(64) NOT NULL,
                "signature" text NOT NULL,
                CONSTRAINT "ck_audit_checkpoints_head" CHECK (
                    chain_seq >= 1
                    AND head_hash ~ '^[0-9a-f]{64}$'
                ),
                CONSTRAINT "PK_ec62ec0b7b181580b1fa64e1167" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_audit_checkpoints_chain_seq" ON "audit_checkpoints" ("chain_seq", "id")
        `);
        await queryRunner.query(`
            ALTER TABLE "audit_events"
            ADD "chain_seq" bigint
        `);
        await queryRunner.query(`
            ALTER TABLE "audit_events"
            ADD "prev_hash" character(64)
        `);
        await queryRunner.query(`
            ALTER TABLE "audit_events"
            ADD "hash" character(64)
        `);
        await queryRunner.query(`
            ALTER TABLE "audit_events"
            ADD "sealed_at" TIMESTAMP WITH TIME ZONE
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_audit_events_unsealed" ON "audit_events" ("id")
            WHERE chain_seq IS NULL
        `);
        await queryRunner.query(`
            CREATE UNIQUE INDEX "uq_audit_events_chain_seq" ON "audit_events" ("chain_seq")
        `);
        await queryRunner.query(`
            ALTER TABLE "audit_events"
            ADD CONSTRAINT "ck_audit_events_seal" CHECK (
                    (
                        chain_seq IS NULL
                        AND prev_hash IS NULL
                        AND hash IS NULL
                        AND sealed_at IS NULL
                    )
                    OR (
                        chain_seq >= 1
                        AND prev_hash ~ '^[0-9a-f]{64}$'
                        AND hash ~ '^[0-9a-f]{64}$'
                        AND sealed_at IS NOT NULL
                    )
                )
        `);
        await queryRunner.query(GUARD_FUNCTIONS);
        await queryRunner.query(APP_ROLE_GRANTS);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(RESTORE_APP_ROLE_GRANTS);
        await queryRunner.query(DROP_GUARD_FUNCTIONS);
        await queryRunner.query(`
            ALTER TABLE "audit_events" DROP CONSTRAINT "ck_audit_events_seal"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."uq_audit_events_chain_seq"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_audit_events_unsealed"
        `);
        await queryRunner.query(`
            ALTER TABLE "audit_events" DROP COLUMN "sealed_at"
        `);
        await queryRunner.query(`
            ALTER TABLE "audit_events" DROP COLUMN "hash"
        `);
        await queryRunner.query(`
            ALTER TABLE "audit_events" DROP COLUMN "prev_hash"
        `);
        await queryRunner.query(`
            ALTER TABLE "audit_events" DROP COLUMN "chain_seq"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_audit_checkpoints_chain_seq"
        `);
        await queryRunner.query(`
            DROP TABLE "audit_checkpoints"
        `);
    }

}
