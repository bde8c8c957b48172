import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Issue 12, item 8 (delivery throughput): room on each page for updates that change no indexed column, so PostgreSQL
 * can keep them on the page as heap-only tuples (HOT) and write no index entry. A referral's moves (status, version,
 * times, consents) change none of its four indexes' columns; a queued outbox row's processed mark (a job's
 * processOnce) changes neither of its two. (The relay's dispatched mark is not HOT: dispatched_at is the predicate of
 * ix_outbox_pending, and PostgreSQL counts a predicate's columns as indexed.)
 * Filled to 100 %, a page had no room, so every such update wrote a new entry in every index. Pages written from now on
 * keep the room; existing ones are left as they are (no rewrite, no lock beyond the ALTER's own).
 */
export class HotUpdateRoom1796100200000 implements MigrationInterface {
    name = 'HotUpdateRoom1796100200000'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`ALTER TABLE "referrals" SET (fillfactor = 80)`);
        await queryRunner.query(`ALTER TABLE "outbox_events" SET (fillfactor = 80)`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`ALTER TABLE "outbox_events" RESET (fillfactor)`);
        await queryRunner.query(`ALTER TABLE "referrals" RESET (fillfactor)`);
    }
}
