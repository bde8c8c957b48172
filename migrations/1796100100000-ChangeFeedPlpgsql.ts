import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Issue 12, item 8 (delivery throughput): the change feed's triggers (ChangeFeed1796080000000) called helper functions
 * written in LANGUAGE sql from PL/pgSQL. PostgreSQL 15 does not inline such calls (only a SQL function called from
 * a plain query can be inlined), so every call set up a SQL-function executor for its body, where PL/pgSQL keeps its
 * statements' plans for the session. Measured on the bench database (1,000 referrals
 * moved approved → received in one UPDATE, ROLLBACK after, min of four runs on a busy machine): 309 ms with the old
 * triggers, 112 ms with none, 164 ms with the helpers in PL/pgSQL (which keeps its plans per session). Merging the
 * referral trigger's two inserts into one measured no better (172 ms), so the triggers stay as they were. The helpers
 * keep their names, arguments and results; only the language changes.
 */
const HELPERS_PLPGSQL = `
    CREATE OR REPLACE FUNCTION lintas_change_log(p_type text, p_id uuid, p_parent uuid, p_version integer, p_before uuid[], p_after uuid[])
    RETURNS void LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO change_log (organisation_id, record_type, record_id, parent_id, record_version, leaving)
        SELECT o, p_type, p_id, p_parent, p_version,
               NOT (o = ANY (array_remove(coalesce(p_after, '{}'::uuid[]), NULL)))
          FROM (SELECT DISTINCT o FROM unnest(coalesce(p_before, '{}'::uuid[]) || coalesce(p_after, '{}'::uuid[])) AS o
                 WHERE o IS NOT NULL) s;
    END $$;

    CREATE OR REPLACE FUNCTION lintas_referral_audience(p_sender uuid, p_receiver uuid, p_status text, p_sent_at timestamptz)
    RETURNS uuid[] LANGUAGE plpgsql IMMUTABLE AS $$
    BEGIN
        RETURN CASE WHEN p_status IN ('draft', 'submitted', 'approved') OR p_sent_at IS NULL
                    THEN ARRAY[p_sender] ELSE ARRAY[p_sender, p_receiver] END;
    END $$;

    CREATE OR REPLACE FUNCTION lintas_referred_case_audience(p_receiver uuid, p_status text)
    RETURNS uuid[] LANGUAGE plpgsql IMMUTABLE AS $$
    BEGIN
        RETURN CASE WHEN p_status IN ('received', 'accepted', 'in_progress', 'completed') THEN ARRAY[p_receiver] ELSE '{}'::uuid[] END;
    END $$;

    CREATE OR REPLACE FUNCTION lintas_claim_audience(p_case uuid, p_responsible uuid, p_survivor_contact uuid)
    RETURNS uuid[] LANGUAGE plpgsql STABLE AS $$
    BEGIN
        RETURN ARRAY[(SELECT owner_organisation_id FROM cases WHERE id = p_case), p_responsible, p_survivor_contact];
    END $$;

`;

/** The definitions of ChangeFeed1796080000000, as they were. */
const HELPERS_SQL = `
    CREATE OR REPLACE FUNCTION lintas_change_log(p_type text, p_id uuid, p_parent uuid, p_version integer, p_before uuid[], p_after uuid[])
    RETURNS void LANGUAGE sql AS $$
        INSERT INTO change_log (organisation_id, record_type, record_id, parent_id, record_version, leaving)
        SELECT o, p_type, p_id, p_parent, p_version,
               NOT (o = ANY (array_remove(coalesce(p_after, '{}'::uuid[]), NULL)))
          FROM (SELECT DISTINCT o FROM unnest(coalesce(p_before, '{}'::uuid[]) || coalesce(p_after, '{}'::uuid[])) AS o
                 WHERE o IS NOT NULL) s
    $$;

    CREATE OR REPLACE FUNCTION lintas_referral_audience(p_sender uuid, p_receiver uuid, p_status text, p_sent_at timestamptz)
    RETURNS uuid[] LANGUAGE sql IMMUTABLE AS $$
        SELECT CASE WHEN p_status IN ('draft', 'submitted', 'approved') OR p_sent_at IS NULL
                    THEN ARRAY[p_sender] ELSE ARRAY[p_sender, p_receiver] END
    $$;

    CREATE OR REPLACE FUNCTION lintas_referred_case_audience(p_receiver uuid, p_status text)
    RETURNS uuid[] LANGUAGE sql IMMUTABLE AS $$
        SELECT CASE WHEN p_status IN ('received', 'accepted', 'in_progress', 'completed') THEN ARRAY[p_receiver] ELSE '{}'::uuid[] END
    $$;

    CREATE OR REPLACE FUNCTION lintas_claim_audience(p_case uuid, p_responsible uuid, p_survivor_contact uuid)
    RETURNS uuid[] LANGUAGE sql STABLE AS $$
        SELECT ARRAY[(SELECT owner_organisation_id FROM cases WHERE id = p_case), p_responsible, p_survivor_contact]
    $$;

`;

export class ChangeFeedPlpgsql1796100100000 implements MigrationInterface {
    name = 'ChangeFeedPlpgsql1796100100000'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(HELPERS_PLPGSQL);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(HELPERS_SQL);
    }
}
