import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Issue 13: answers to idempotent POSTs (Idempotency-Key), kept 24 h, written in the transaction of the request's
 * effect. The key is a hash, the answer sealed.
 */
export class IdempotencyKeys1796070000000 implements MigrationInterface {
    name = 'IdempotencyKeys1796070000000'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`CREATE TABLE "idempotency_keys" ("user_id" uuid NOT NULL, "key_hash" bytea NOT NULL, "fingerprint" bytea NOT NULL, "master_key_id" character varying(32) NOT NULL, "answer" bytea NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_idempotency_keys" PRIMARY KEY ("user_id", "key_hash"))`);
        await queryRunner.query(`CREATE INDEX "ix_idempotency_keys_expires_at" ON "idempotency_keys" ("expires_at") `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`DROP INDEX "public"."ix_idempotency_keys_expires_at"`);
        await queryRunner.query(`DROP TABLE "idempotency_keys"`);
    }
}
