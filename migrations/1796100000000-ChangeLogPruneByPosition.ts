import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Issue 12, item 8 (delivery throughput): retention pruning walks change_log in position order (positions grow with
 * time), so the btree on changed_at is no longer read. Every change writes one to three change_log rows (a local
 * delivery four), each of which paid for that index too.
 */
export class ChangeLogPruneByPosition1796100000000 implements MigrationInterface {
    name = 'ChangeLogPruneByPosition1796100000000'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`DROP INDEX "public"."ix_change_log_changed_at"`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`CREATE INDEX "ix_change_log_changed_at" ON "change_log" ("changed_at")`);
    }
}
