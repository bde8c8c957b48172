import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * The organisation type `oversight` (a regional oversight office, a donor, a research body), and the rule that auditors
 * belong to one. The API refuses an auditor elsewhere with 400 ROLE_NOT_ALLOWED_FOR_ORGANISATION (src/users); these
 * triggers hold the same rule for every other writer (the demo seed, a script, a future route): no user becomes an
 * auditor of, or moves as an auditor into, an organisation of another type, and no organisation with auditors stops
 * being an oversight body. Auditors that already exist elsewhere are left as they are (a row that does not change its
 * role or organisation is not checked): the operator reviews them (README, "Roles").
 */
export class OversightOrganisations1796036412000 implements MigrationInterface {
    name = 'OversightOrganisations1796036412000'

    public async up(queryRunner: QueryRunner): Promise<void> {
        // PostgreSQL 12+ adds an enum value inside a transaction; it is usable once this migration commits.
        await queryRunner.query(`
            ALTER TYPE "public"."organisation_type" ADD VALUE IF NOT EXISTS 'oversight'
        `);
        await queryRunner.query(`
CREATE FUNCTION users_auditor_in_oversight() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.role = 'auditor'
     AND (TG_OP = 'INSERT' OR NEW.role IS DISTINCT FROM OLD.role OR NEW.organisation_id IS DISTINCT FROM OLD.organisation_id)
     AND NOT EXISTS (SELECT 1 FROM organisations o WHERE o.id = NEW.organisation_id AND o.type::text = 'oversight') THEN
    RAISE EXCEPTION 'users: an auditor belongs to an organisation of type oversight' USING ERRCODE = '23514';
  END IF;
  RETURN NEW;
END $$
        `);
        await queryRunner.query(`
CREATE TRIGGER users_auditor_in_oversight BEFORE INSERT OR UPDATE OF role, organisation_id ON users
  FOR EACH ROW EXECUTE FUNCTION users_auditor_in_oversight()
        `);
        await queryRunner.query(`
CREATE FUNCTION organisations_keep_oversight() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.type::text = 'oversight' AND NEW.type::text <> 'oversight'
     AND EXISTS (SELECT 1 FROM users u WHERE u.organisation_id = OLD.id AND u.role = 'auditor') THEN
    RAISE EXCEPTION 'organisations: an organisation with auditors stays of type oversight' USING ERRCODE = '23514';
  END IF;
  RETURN NEW;
END $$
        `);
        await queryRunner.query(`
CREATE TRIGGER organisations_keep_oversight BEFORE UPDATE OF type ON organisations
  FOR EACH ROW EXECUTE FUNCTION organisations_keep_oversight()
        `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`DROP TRIGGER organisations_keep_oversight ON organisations`);
        await queryRunner.query(`DROP FUNCTION organisations_keep_oversight()`);
        await queryRunner.query(`DROP TRIGGER users_auditor_in_oversight ON users`);
        await queryRunner.query(`DROP FUNCTION users_auditor_in_oversight()`);
        // PostgreSQL cannot drop an enum value: the type is rebuilt without it. An oversight organisation has no type to
        // fall back to that would be true, so undoing stops while one exists rather than relabel it.
        await queryRunner.query(`
            DO $$ BEGIN
              IF EXISTS (SELECT 1 FROM organisations WHERE type::text = 'oversight') THEN
                RAISE EXCEPTION 'organisations of type oversight exist: change or remove them before undoing this migration';
              END IF;
            END $$
        `);
        await queryRunner.query(`
            ALTER TYPE "public"."organisation_type" RENAME TO "organisation_type_old"
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
            ALTER TABLE "organisations" ALTER COLUMN "type" TYPE "public"."organisation_type" USING "type"::text::"public"."organisation_type"
        `);
        await queryRunner.query(`
            DROP TYPE "public"."organisation_type_old"
        `);
    }

}
