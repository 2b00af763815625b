-- 010: the read API's roll-ups (campaign_hours, campaign_facets, campaign_samples) leave the
-- cluster worker's transaction. They were a third of its database time (the facets upsert
-- alone 32 % at 300k reports: each row's count is in schema 008's rank index, so no update
-- is HOT), all spent on the one core the worker's backend runs on. A second connection of
-- the same worker now writes them behind the assignments, from report_assignments in id
-- order, with its own watermark committed in the same transaction as its rows. It applies
-- the campaign merges of its range after that range's rows (moving only these three tables;
-- campaign_merge no longer touches them), exactly as the worker did, so the tables are the
-- same function of the reports as before and a restart again gives an uninterrupted run's
-- result. Readers see them behind the assignments by the follower's lag (reported in
-- GET /v1/status and /metrics).

-- A row of its own: the worker updates cluster_state every chunk, and a shared row would
-- make each transaction wait for the other's commit.
CREATE TABLE cluster_facts_state (
    singleton        boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    facts_watermark  bigint NOT NULL DEFAULT 0
);
-- An existing database has its facts written up to the worker's watermark.
INSERT INTO cluster_facts_state (facts_watermark) SELECT watermark FROM cluster_state;

-- The follower reads the merges of its range.
CREATE INDEX campaign_merges_at_report ON campaign_merges (at_report);

-- campaign_merge as in 005, without the three tables the follower now moves, and with the
-- roll-ups moved straight to t, where s itself ends up later in the same chunk (t = s when it
-- does not). A chain a -> s -> t within one chunk used to move a's rows twice; the sums, set
-- unions and min/max come out the same either way, campaign_merges still records s, and s's
-- merged row gets a's first and last seen as if they had passed through it, so the tables do
-- not depend on whether the chain fell in one chunk or several.
CREATE FUNCTION campaign_merge_into(a bigint, s bigint, t bigint, at_report bigint,
                                    at_time timestamptz)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    r record;
    new_reporters bigint := 0;
    new_senders bigint := 0;
BEGIN
    INSERT INTO campaign_cities AS cc (campaign_id, city_key, reports, first_seen, last_seen)
        SELECT t, city_key, reports, first_seen, last_seen FROM campaign_cities
        WHERE campaign_id = a
        ON CONFLICT (campaign_id, city_key) DO UPDATE
        SET reports = cc.reports + excluded.reports,
            first_seen = least(cc.first_seen, excluded.first_seen),
            last_seen = greatest(cc.last_seen, excluded.last_seen);
    DELETE FROM campaign_cities WHERE campaign_id = a;
    FOR r IN
        WITH moved AS (
            INSERT INTO rollup_members (scope, k1, k2, member)
            SELECT scope, t, k2, member FROM rollup_members WHERE scope IN (1, 2, 3, 4) AND k1 = a
            ON CONFLICT DO NOTHING RETURNING scope, k2)
        SELECT scope, k2, count(*) AS n FROM moved GROUP BY 1, 2
    LOOP
        IF r.scope = 1 THEN
            new_reporters := new_reporters + r.n;
        ELSIF r.scope = 2 THEN
            new_senders := new_senders + r.n;
        ELSIF r.scope = 3 THEN
            UPDATE campaign_cities cc SET reporters = cc.reporters + r.n FROM cities ci
                WHERE cc.campaign_id = t AND ci.key = cc.city_key AND ci.hash = r.k2;
        ELSE
            UPDATE campaign_cities cc SET senders = cc.senders + r.n FROM cities ci
                WHERE cc.campaign_id = t AND ci.key = cc.city_key AND ci.hash = r.k2;
        END IF;
    END LOOP;
    DELETE FROM rollup_members WHERE scope IN (1, 2, 3, 4) AND k1 = a;

    UPDATE campaigns c SET
        reports = c.reports + o.reports,
        first_seen = least(c.first_seen, o.first_seen),
        last_seen = greatest(c.last_seen, o.last_seen),
        reporters = c.reporters + new_reporters,
        senders = c.senders + new_senders
        FROM campaigns o WHERE c.id = t AND o.id = a;
    -- s keeps the first and last seen a chain through it would have left on its merged row.
    IF t <> s THEN
        UPDATE campaigns c SET first_seen = least(c.first_seen, o.first_seen),
            last_seen = greatest(c.last_seen, o.last_seen)
            FROM campaigns o WHERE c.id = s AND o.id = a;
    END IF;
    UPDATE campaigns SET merged_into = t, merged_at = at_time, reports = 0, reporters = 0,
        senders = 0 WHERE id = a;
    UPDATE campaigns SET merged_into = t WHERE merged_into = a;
    INSERT INTO campaign_merges (old_id, survivor, at_report, merged_at)
        VALUES (a, s, at_report, at_time);
END;
$$;

CREATE OR REPLACE FUNCTION campaign_merge(a bigint, s bigint, at_report bigint, at_time timestamptz)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM campaign_merge_into(a, s, s, at_report, at_time);
END;
$$;

-- The same for sender clusters (003's function, into t).
CREATE FUNCTION sender_cluster_merge_into(a bigint, s bigint, t bigint, at_report bigint,
                                          at_time timestamptz)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    new_reporters bigint;
    new_senders bigint;
BEGIN
    WITH moved AS (
        INSERT INTO rollup_members (scope, k1, k2, member)
        SELECT scope, t, k2, member FROM rollup_members WHERE scope IN (5, 6) AND k1 = a
        ON CONFLICT DO NOTHING RETURNING scope)
    SELECT count(*) FILTER (WHERE scope = 5), count(*) FILTER (WHERE scope = 6)
        INTO new_reporters, new_senders FROM moved;
    DELETE FROM rollup_members WHERE scope IN (5, 6) AND k1 = a;
    UPDATE sender_clusters c SET
        reports = c.reports + o.reports,
        first_seen = least(c.first_seen, o.first_seen),
        last_seen = greatest(c.last_seen, o.last_seen),
        reporters = c.reporters + new_reporters,
        senders = c.senders + new_senders
        FROM sender_clusters o WHERE c.id = t AND o.id = a;
    IF t <> s THEN
        UPDATE sender_clusters c SET first_seen = least(c.first_seen, o.first_seen),
            last_seen = greatest(c.last_seen, o.last_seen)
            FROM sender_clusters o WHERE c.id = s AND o.id = a;
    END IF;
    UPDATE sender_clusters SET merged_into = t, merged_at = at_time, reports = 0, reporters = 0,
        senders = 0 WHERE id = a;
    UPDATE sender_clusters SET merged_into = t WHERE merged_into = a;
    INSERT INTO sender_cluster_merges (old_id, survivor, at_report, merged_at)
        VALUES (a, s, at_report, at_time);
END;
$$;

CREATE OR REPLACE FUNCTION sender_cluster_merge(a bigint, s bigint, at_report bigint,
                                                at_time timestamptz)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM sender_cluster_merge_into(a, s, s, at_report, at_time);
END;
$$;

-- The follower's half of a merge: a's hours, facets and samples into s.
CREATE FUNCTION campaign_facts_merge(a bigint, s bigint)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO campaign_hours AS h (campaign_id, hour, reports)
        SELECT s, hour, reports FROM campaign_hours WHERE campaign_id = a
        ON CONFLICT (campaign_id, hour) DO UPDATE SET reports = h.reports + excluded.reports;
    DELETE FROM campaign_hours WHERE campaign_id = a;
    INSERT INTO campaign_facets AS f (campaign_id, kind, key, reports, first_seen, last_seen)
        SELECT s, kind, key, reports, first_seen, last_seen FROM campaign_facets
        WHERE campaign_id = a
        ON CONFLICT (campaign_id, kind, key) DO UPDATE
        SET reports = f.reports + excluded.reports,
            first_seen = least(f.first_seen, excluded.first_seen),
            last_seen = greatest(f.last_seen, excluded.last_seen);
    DELETE FROM campaign_facets WHERE campaign_id = a;
    INSERT INTO campaign_samples AS p (campaign_id, first_report, first_content, last_report,
                                       last_content)
        SELECT s, first_report, first_content, last_report, last_content FROM campaign_samples
        WHERE campaign_id = a
        ON CONFLICT (campaign_id) DO UPDATE SET
        first_report = CASE WHEN excluded.first_report < p.first_report
                       THEN excluded.first_report ELSE p.first_report END,
        first_content = CASE WHEN excluded.first_report < p.first_report
                        THEN excluded.first_content ELSE p.first_content END,
        last_report = CASE WHEN excluded.last_report > p.last_report
                      THEN excluded.last_report ELSE p.last_report END,
        last_content = CASE WHEN excluded.last_report > p.last_report
                       THEN excluded.last_content ELSE p.last_content END;
    DELETE FROM campaign_samples WHERE campaign_id = a;
END;
$$;

-- The merges of the follower's range (lo, hi], in the order the worker made them: a chain
-- (a into s, later s into t) must move a's rows before s's.
CREATE FUNCTION campaign_facts_merges(lo bigint, hi bigint)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    m record;
    n bigint := 0;
BEGIN
    FOR m IN SELECT old_id, survivor FROM campaign_merges
             WHERE at_report > lo AND at_report <= hi ORDER BY at_report, old_id
    LOOP
        PERFORM campaign_facts_merge(m.old_id, m.survivor);
        n := n + 1;
    END LOOP;
    RETURN n;
END;
$$;
