import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Issue 13, item 2: the change feed (src/changes, docs/sync.md §3).
 *
 * `change_log` holds one row per (organisation that may see a record, record) for every change, written by triggers
 * in the transaction of the change itself, so no write path (service, job, federation, CLI) can forget it. A row
 * names the record (type, id, the record it is fetched through, its version) and nothing of a person. `leaving` says
 * the organisation stopped being one that may see the record (transferred away, recalled, deleted). Which user of the
 * organisation sees what is decided when the feed is read, by the same rules as the normal reads.
 *
 * `tx_id` is the writing transaction's id (`pg_current_xact_id()`): the feed serves only rows of transactions older
 * than every transaction still running (`pg_snapshot_xmin`), in (tx_id, position) order, so a transaction that
 * commits late can never land behind a cursor already handed out. `change_log_frontier` is the highest row the
 * retention pruning removed of those a client must see: a cursor below it answers 410.
 */
const AUDIENCE_FUNCTIONS = `
    CREATE FUNCTION lintas_change_log(p_type text, p_id uuid, p_parent uuid, p_version integer, p_before uuid[], p_after uuid[])
    RETURNS void LANGUAGE sql AS $$
        INSERT INTO change_log (organisation_id, record_type, record_id, parent_id, record_version, leaving)
        SELECT o, p_type, p_id, p_parent, p_version,
               NOT (o = ANY (array_remove(coalesce(p_after, '{}'::uuid[]), NULL)))
          FROM (SELECT DISTINCT o FROM unnest(coalesce(p_before, '{}'::uuid[]) || coalesce(p_after, '{}'::uuid[])) AS o
                 WHERE o IS NOT NULL) s
    $$;

    -- The organisations that may see a referral: its sender, and its receiver once it was sent (before that the
    -- receiver does not learn it exists; referral-views.ts, hiddenFromReceiver).
    CREATE FUNCTION lintas_referral_audience(p_sender uuid, p_receiver uuid, p_status text, p_sent_at timestamptz)
    RETURNS uuid[] LANGUAGE sql IMMUTABLE AS $$
        SELECT CASE WHEN p_status IN ('draft', 'submitted', 'approved') OR p_sent_at IS NULL
                    THEN ARRAY[p_sender] ELSE ARRAY[p_sender, p_receiver] END
    $$;

    -- Who may read the referred case (GET /referrals/{id}/case): the receiver while it holds the packet
    -- (referral-views.ts, RECEIVER_HOLDS).
    CREATE FUNCTION lintas_referred_case_audience(p_receiver uuid, p_status text)
    RETURNS uuid[] LANGUAGE sql IMMUTABLE AS $$
        SELECT CASE WHEN p_status IN ('received', 'accepted', 'in_progress', 'completed') THEN ARRAY[p_receiver] ELSE '{}'::uuid[] END
    $$;

    -- The organisations that may see a claim (and its payments): the case's owner, the responsible organisation and the
    -- survivor-contact organisation.
    CREATE FUNCTION lintas_claim_audience(p_case uuid, p_responsible uuid, p_survivor_contact uuid)
    RETURNS uuid[] LANGUAGE sql STABLE AS $$
        SELECT ARRAY[(SELECT owner_organisation_id FROM cases WHERE id = p_case), p_responsible, p_survivor_contact]
    $$;

    -- What the disclosure gate decides about a case changed (consent, restriction, the case itself): the receivers'
    -- view of each referred case and the claims seen from outside may change.
    CREATE FUNCTION lintas_change_log_gate(p_case uuid) RETURNS void LANGUAGE plpgsql AS $$
    DECLARE r record;
    BEGIN
        FOR r IN SELECT id, receiving_organisation_id, status FROM referrals WHERE case_id = p_case LOOP
            PERFORM lintas_change_log('referral_case', r.id, r.id, NULL,
                lintas_referred_case_audience(r.receiving_organisation_id, r.status::text),
                lintas_referred_case_audience(r.receiving_organisation_id, r.status::text));
        END LOOP;
        FOR r IN SELECT id, version, responsible_organisation_id AS resp, survivor_contact_organisation_id AS surv
                   FROM restitution_claims WHERE case_id = p_case LOOP
            PERFORM lintas_change_log('claim', r.id, p_case, r.version,
                lintas_claim_audience(p_case, r.resp, r.surv), lintas_claim_audience(p_case, r.resp, r.surv));
            PERFORM lintas_change_log('payment', p.id, r.id, NULL,
                lintas_claim_audience(p_case, r.resp, r.surv), lintas_claim_audience(p_case, r.resp, r.surv))
               FROM restitution_payments p WHERE p.claim_id = r.id;
        END LOOP;
    END $$;

    -- Who in the owning organisation sees a case changed (owner, danger flag, assignee, a break-glass grant): its
    -- consents, claims and payments follow the case.
    CREATE FUNCTION lintas_change_log_case_children(p_case uuid, p_before uuid, p_after uuid) RETURNS void LANGUAGE plpgsql AS $$
    DECLARE r record;
    BEGIN
        PERFORM lintas_change_log('consent', c.id, p_case, NULL, ARRAY[p_before], ARRAY[p_after])
           FROM consents c WHERE c.case_id = p_case;
        FOR r IN SELECT id, version, responsible_organisation_id AS resp, survivor_contact_organisation_id AS surv
                   FROM restitution_claims WHERE case_id = p_case LOOP
            PERFORM lintas_change_log('claim', r.id, p_case, r.version,
                ARRAY[p_before, r.resp, r.surv], ARRAY[p_after, r.resp, r.surv]);
            PERFORM lintas_change_log('payment', p.id, r.id, NULL, ARRAY[p_before, r.resp, r.surv], ARRAY[p_after, r.resp, r.surv])
               FROM restitution_payments p WHERE p.claim_id = r.id;
        END LOOP;
    END $$;
`;

const TRIGGER_FUNCTIONS = `
    CREATE FUNCTION lintas_changes_cases() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN
            PERFORM lintas_change_log('case', NEW.id, NULL, NEW.version, NULL, ARRAY[NEW.owner_organisation_id]);
        ELSIF TG_OP = 'DELETE' THEN
            PERFORM lintas_change_log('case', OLD.id, NULL, OLD.version, ARRAY[OLD.owner_organisation_id], NULL);
        ELSE
            PERFORM lintas_change_log('case', NEW.id, NULL, NEW.version, ARRAY[OLD.owner_organisation_id], ARRAY[NEW.owner_organisation_id]);
            IF OLD.owner_organisation_id IS DISTINCT FROM NEW.owner_organisation_id
               OR OLD.danger_flag IS DISTINCT FROM NEW.danger_flag
               OR OLD.assigned_caseworker_id IS DISTINCT FROM NEW.assigned_caseworker_id THEN
                PERFORM lintas_change_log_case_children(NEW.id, OLD.owner_organisation_id, NEW.owner_organisation_id);
            END IF;
            PERFORM lintas_change_log_gate(NEW.id);
        END IF;
        RETURN NULL;
    END $$;

    CREATE FUNCTION lintas_changes_break_glass() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE c record;
    BEGIN
        SELECT id, version, owner_organisation_id AS owner INTO c FROM cases WHERE id = NEW.case_id;
        IF FOUND THEN
            PERFORM lintas_change_log('case', c.id, NULL, c.version, ARRAY[c.owner], ARRAY[c.owner]);
            PERFORM lintas_change_log_case_children(c.id, c.owner, c.owner);
        END IF;
        RETURN NULL;
    END $$;

    CREATE FUNCTION lintas_changes_restrictions() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM lintas_change_log_gate(CASE WHEN TG_OP = 'DELETE' THEN OLD.case_id ELSE NEW.case_id END);
        RETURN NULL;
    END $$;

    CREATE FUNCTION lintas_changes_consents() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE v_case uuid := CASE WHEN TG_OP = 'DELETE' THEN OLD.case_id ELSE NEW.case_id END;
            v_owner uuid;
    BEGIN
        SELECT owner_organisation_id INTO v_owner FROM cases WHERE id = v_case;
        PERFORM lintas_change_log('consent', CASE WHEN TG_OP = 'DELETE' THEN OLD.id ELSE NEW.id END, v_case, NULL,
            CASE WHEN TG_OP = 'INSERT' THEN NULL ELSE ARRAY[v_owner] END,
            CASE WHEN TG_OP = 'DELETE' THEN NULL ELSE ARRAY[v_owner] END);
        PERFORM lintas_change_log_gate(v_case);
        RETURN NULL;
    END $$;

    CREATE FUNCTION lintas_changes_referrals() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE before_aud uuid[]; after_aud uuid[]; r referrals;
    BEGIN
        IF TG_OP <> 'INSERT' THEN
            before_aud := lintas_referral_audience(OLD.sending_organisation_id, OLD.receiving_organisation_id, OLD.status::text, OLD.sent_at);
        END IF;
        IF TG_OP <> 'DELETE' THEN
            after_aud := lintas_referral_audience(NEW.sending_organisation_id, NEW.receiving_organisation_id, NEW.status::text, NEW.sent_at);
            r := NEW;
        ELSE
            r := OLD;
        END IF;
        PERFORM lintas_change_log('referral', r.id, NULL, r.version, before_aud, after_aud);
        PERFORM lintas_change_log('referral_case', r.id, r.id, NULL,
            CASE WHEN TG_OP = 'INSERT' THEN NULL ELSE lintas_referred_case_audience(OLD.receiving_organisation_id, OLD.status::text) END,
            CASE WHEN TG_OP = 'DELETE' THEN NULL ELSE lintas_referred_case_audience(NEW.receiving_organisation_id, NEW.status::text) END);
        IF before_aud IS DISTINCT FROM after_aud THEN
            PERFORM lintas_change_log('milestone', m.id, r.id, NULL, before_aud, after_aud)
               FROM referral_milestones m WHERE m.referral_id = r.id;
        END IF;
        RETURN NULL;
    END $$;

    CREATE FUNCTION lintas_changes_milestones() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE m referral_milestones; aud uuid[];
    BEGIN
        m := CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
        SELECT lintas_referral_audience(sending_organisation_id, receiving_organisation_id, status::text, sent_at) INTO aud
          FROM referrals WHERE id = m.referral_id;
        PERFORM lintas_change_log('milestone', m.id, m.referral_id, NULL,
            CASE WHEN TG_OP = 'INSERT' THEN NULL ELSE aud END, CASE WHEN TG_OP = 'DELETE' THEN NULL ELSE aud END);
        RETURN NULL;
    END $$;

    CREATE FUNCTION lintas_changes_claims() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE before_aud uuid[]; after_aud uuid[]; c restitution_claims;
    BEGIN
        IF TG_OP <> 'INSERT' THEN
            before_aud := lintas_claim_audience(OLD.case_id, OLD.responsible_organisation_id, OLD.survivor_contact_organisation_id);
        END IF;
        IF TG_OP <> 'DELETE' THEN
            after_aud := lintas_claim_audience(NEW.case_id, NEW.responsible_organisation_id, NEW.survivor_contact_organisation_id);
            c := NEW;
        ELSE
            c := OLD;
        END IF;
        PERFORM lintas_change_log('claim', c.id, c.case_id, c.version, before_aud, after_aud);
        IF TG_OP = 'UPDATE' AND before_aud IS DISTINCT FROM after_aud THEN
            PERFORM lintas_change_log('payment', p.id, c.id, NULL, before_aud, after_aud)
               FROM restitution_payments p WHERE p.claim_id = c.id;
        END IF;
        RETURN NULL;
    END $$;

    CREATE FUNCTION lintas_changes_payments() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE p restitution_payments; aud uuid[];
    BEGIN
        p := CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
        SELECT lintas_claim_audience(case_id, responsible_organisation_id, survivor_contact_organisation_id) INTO aud
          FROM restitution_claims WHERE id = p.claim_id;
        PERFORM lintas_change_log('payment', p.id, p.claim_id, NULL,
            CASE WHEN TG_OP = 'INSERT' THEN NULL ELSE aud END, CASE WHEN TG_OP = 'DELETE' THEN NULL ELSE aud END);
        RETURN NULL;
    END $$;

    CREATE FUNCTION lintas_changes_alerts() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'DELETE' THEN
            PERFORM lintas_change_log('alert', OLD.id, NULL, NULL, ARRAY[OLD.organisation_id], NULL);
        ELSE
            PERFORM lintas_change_log('alert', NEW.id, NULL, NULL,
                CASE WHEN TG_OP = 'INSERT' THEN NULL ELSE ARRAY[OLD.organisation_id] END, ARRAY[NEW.organisation_id]);
        END IF;
        RETURN NULL;
    END $$;
`;

/** [trigger, table, function, events] */
const TRIGGERS: Array<[string, string, string, string]> = [
    ['trg_changes_cases', 'cases', 'lintas_changes_cases', 'INSERT OR UPDATE OR DELETE'],
    ['trg_changes_break_glass', 'case_break_glass_grants', 'lintas_changes_break_glass', 'INSERT OR UPDATE'],
    ['trg_changes_restrictions', 'case_restrictions', 'lintas_changes_restrictions', 'INSERT OR UPDATE OR DELETE'],
    ['trg_changes_consents', 'consents', 'lintas_changes_consents', 'INSERT OR UPDATE OR DELETE'],
    ['trg_changes_referrals', 'referrals', 'lintas_changes_referrals', 'INSERT OR UPDATE OR DELETE'],
    ['trg_changes_milestones', 'referral_milestones', 'lintas_changes_milestones', 'INSERT OR UPDATE OR DELETE'],
    ['trg_changes_claims', 'restitution_claims', 'lintas_changes_claims', 'INSERT OR UPDATE OR DELETE'],
    ['trg_changes_payments', 'restitution_payments', 'lintas_changes_payments', 'INSERT OR UPDATE OR DELETE'],
    ['trg_changes_alerts', 'alerts', 'lintas_changes_alerts', 'INSERT OR UPDATE OR DELETE'],
];

const FUNCTIONS = [
    'lintas_changes_alerts()', 'lintas_changes_payments()', 'lintas_changes_claims()', 'lintas_changes_milestones()',
    'lintas_changes_referrals()', 'lintas_changes_consents()', 'lintas_changes_restrictions()', 'lintas_changes_break_glass()',
    'lintas_changes_cases()', 'lintas_change_log_case_children(uuid, uuid, uuid)', 'lintas_change_log_gate(uuid)',
    'lintas_claim_audience(uuid, uuid, uuid)', 'lintas_referred_case_audience(uuid, text)',
    'lintas_referral_audience(uuid, uuid, text, timestamptz)',
    'lintas_change_log(text, uuid, uuid, integer, uuid[], uuid[])',
];

export class ChangeFeed1796080000000 implements MigrationInterface {
    name = 'ChangeFeed1796080000000'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            CREATE TABLE "change_log" (
                "position" bigserial NOT NULL,
                "tx_id" bigint NOT NULL DEFAULT (pg_current_xact_id()::text::bigint),
                "organisation_id" uuid NOT NULL,
                "record_type" character varying(20) NOT NULL,
                "record_id" uuid NOT NULL,
                "parent_id" uuid,
                "record_version" integer,
                "leaving" boolean NOT NULL DEFAULT false,
                "changed_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "PK_change_log" PRIMARY KEY ("position")
            )
        `);
        await queryRunner.query(`CREATE INDEX "ix_change_log_feed" ON "change_log" ("organisation_id", "tx_id", "position")`);
        await queryRunner.query(`
            CREATE INDEX "ix_change_log_record" ON "change_log" ("organisation_id", "record_type", "record_id", "tx_id", "position")
        `);
        await queryRunner.query(`CREATE INDEX "ix_change_log_changed_at" ON "change_log" ("changed_at")`);
        await queryRunner.query(`
            CREATE TABLE "change_log_frontier" (
                "id" smallint NOT NULL,
                "tx_id" bigint NOT NULL DEFAULT 0,
                "position" bigint NOT NULL DEFAULT 0,
                "pruned_at" TIMESTAMP WITH TIME ZONE,
                CONSTRAINT "PK_change_log_frontier" PRIMARY KEY ("id"),
                CONSTRAINT "CHK_change_log_frontier_one_row" CHECK ("id" = 1)
            )
        `);
        await queryRunner.query(`INSERT INTO "change_log_frontier" ("id") VALUES (1)`);
        await queryRunner.query(AUDIENCE_FUNCTIONS);
        await queryRunner.query(TRIGGER_FUNCTIONS);
        for (const [name, table, fn, events] of TRIGGERS) {
            await queryRunner.query(`CREATE TRIGGER "${name}" AFTER ${events} ON "${table}" FOR EACH ROW EXECUTE FUNCTION ${fn}()`);
        }
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        for (const [name, table] of [...TRIGGERS].reverse()) {
            await queryRunner.query(`DROP TRIGGER "${name}" ON "${table}"`);
        }
        for (const fn of FUNCTIONS) await queryRunner.query(`DROP FUNCTION ${fn}`);
        await queryRunner.query(`DROP TABLE "change_log_frontier"`);
        await queryRunner.query(`DROP INDEX "public"."ix_change_log_changed_at"`);
        await queryRunner.query(`DROP INDEX "public"."ix_change_log_record"`);
        await queryRunner.query(`DROP INDEX "public"."ix_change_log_feed"`);
        await queryRunner.query(`DROP TABLE "change_log"`);
    }

}
