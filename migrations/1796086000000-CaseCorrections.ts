import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * The person's right to rectification (issue 16): case_corrections keeps every correction of a case (which fields,
 * between which versions, by whom) with the values it replaced sealed under the case's key. Hand-added: the
 * application role may not DELETE corrections (they are the case's history).
 */
const RESTRICT_APP_ROLE = `
DO $$ BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'lintas_app') THEN
    REVOKE DELETE, TRUNCATE ON case_corrections FROM lintas_app;
  END IF;
END $$`;

export class CaseCorrections1796086000000 implements MigrationInterface {
    name = 'CaseCorrections1796086000000'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            CREATE TABLE "case_corrections" (
                "id" uuid NOT NULL,
                "case_id" uuid NOT NULL,
                "version_before" integer NOT NULL,
                "version_after" integer NOT NULL,
                "fields" character varying(64) array NOT NULL,
                "old_values_ciphertext" bytea,
                "corrected_by" uuid NOT NULL,
                "corrected_by_role" character varying(32) NOT NULL,
                "organisation_id" uuid NOT NULL,
                "corrected_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "PK_6054abedd092bfcd1a3c5b4c242" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_case_corrections_case" ON "case_corrections" ("case_id", "corrected_at")
        `);
        await queryRunner.query(`
            ALTER TABLE "case_corrections"
            ADD CONSTRAINT "FK_37b33933cf046292caa0312e83a" FOREIGN KEY ("case_id") REFERENCES "cases"("id") ON DELETE RESTRICT ON UPDATE NO ACTION
        `);
        await queryRunner.query(RESTRICT_APP_ROLE);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`ALTER TABLE "case_corrections" DROP CONSTRAINT "FK_37b33933cf046292caa0312e83a"`);
        await queryRunner.query(`DROP INDEX "public"."ix_case_corrections_case"`);
        await queryRunner.query(`DROP TABLE "case_corrections"`);
    }

}
