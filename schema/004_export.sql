-- 004: what `spamgw export --incremental` needs: a change sequence per campaign and named
-- watermarks.
--
-- campaign_changes is kept apart from campaigns on purpose: 003's tables are a pure function of
-- the reports in id order (a restarted worker must write them byte for byte), and a sequence
-- is not (its values survive rollbacks). The stamp lives beside them and nobody compares it.
-- A statement-level trigger stamps every campaign a statement inserted or updated (upserts,
-- merges, status changes) with one fresh value, so the worker pays one extra upsert per
-- statement, not per row. Every report the worker assigns updates its campaign's counts, so
-- "the campaign row changed" covers new reports too.
CREATE SEQUENCE campaign_change_seq;

CREATE TABLE campaign_changes (
    campaign_id  bigint PRIMARY KEY,
    change_seq   bigint NOT NULL
);
CREATE INDEX campaign_changes_seq ON campaign_changes (change_seq);

CREATE FUNCTION campaign_changes_stamp() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- The row write already gave this transaction its xid, so the xid is older than every
    -- value nextval hands out here: an exporter that reads the sequence, then takes an xid and
    -- waits until every older xid has ended, sees every stamp up to what it read.
    INSERT INTO campaign_changes AS cc (campaign_id, change_seq)
        SELECT id, nextval('campaign_change_seq') FROM (SELECT DISTINCT id FROM changed) n
        ON CONFLICT (campaign_id) DO UPDATE SET change_seq = excluded.change_seq;
    RETURN NULL;
END;
$$;

-- PostgreSQL allows a transition table only on single-event triggers: one per event.
CREATE TRIGGER campaigns_changed_ins AFTER INSERT ON campaigns
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION campaign_changes_stamp();
CREATE TRIGGER campaigns_changed_upd AFTER UPDATE ON campaigns
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION campaign_changes_stamp();

INSERT INTO campaign_changes (campaign_id, change_seq)
    SELECT id, nextval('campaign_change_seq') FROM campaigns ORDER BY id;

-- One row per (name, format): the highest change_seq a successful export of that name has
-- covered. Moved only by the transaction that read the export's rows, committed after its
-- files are renamed into place.
CREATE TABLE export_watermarks (
    name        text NOT NULL,
    format      text NOT NULL,
    last_seq    bigint NOT NULL DEFAULT 0,
    runs        bigint NOT NULL DEFAULT 0,
    updated_at  timestamptz,
    PRIMARY KEY (name, format)
);

-- Entries the sender blocklist never lists, whatever campaign they appear in: E.164 numbers,
-- lower-case e-mail addresses, registrable domains. Maintained by hand (INSERT / DELETE).
CREATE TABLE export_allowlist (
    entry     text PRIMARY KEY,
    note      text,
    added_at  timestamptz NOT NULL DEFAULT now()
);
