-- 010: the cluster worker's transaction keeps what later decisions depend on (assignments,
-- indicators, senders, representatives, merges) and the campaign and sender-cluster counts;
-- the rest of the roll-ups move to a second connection of the same worker, the *facts
-- follower*: the read API's hours, facets and samples (005), and the per-(campaign, city)
-- and per-city roll-ups with their distinct reporters and senders (rollup_members scopes 3,
-- 4, 7, 8). Those were most of the worker's database time on the one core its backend runs
-- on: the facets upsert alone a third (schema 008's rank index holds each row's count, so
-- no update is HOT), the city members half of the member rows. The follower writes them
-- from report_assignments in id order up to the worker's committed watermark, each chunk in
-- one transaction with its own watermark, then the campaign merges of its range, exactly as
-- the worker did before its merges; the tables stay the same function of the reports in id
-- order, and a restart gives an uninterrupted run's result. The two write disjoint rows:
-- campaign_hours, campaign_facets, campaign_samples, campaign_cities, cities and scopes 3,
-- 4, 7, 8 are the follower's, the rest the worker's; only entity_totals is shared.

-- A row of its own: the worker updates cluster_state every chunk, and a shared row would
-- make each transaction wait for the other's commit.
CREATE TABLE cluster_facts_state (
    singleton        boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    facts_watermark  bigint NOT NULL DEFAULT 0
);
-- An existing database has its roll-ups written up to the worker's watermark.
INSERT INTO cluster_facts_state (facts_watermark) SELECT watermark FROM cluster_state;

-- The follower reads the merges of its range.
CREATE INDEX campaign_merges_at_report ON campaign_merges (at_report);

-- entity_totals (one row) is updated by the worker's inserts every chunk and by the
-- follower's only when a city is new: a statement that inserted nothing no longer takes the
-- row, so the follower does not wait for the worker's commit every chunk.
CREATE OR REPLACE FUNCTION entity_totals_ins() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    n bigint;
BEGIN
    SELECT count(*) INTO n FROM changed;
    IF n = 0 THEN
        RETURN NULL;
    END IF;
    IF TG_TABLE_NAME = 'senders' THEN
        UPDATE entity_totals SET senders = senders + n;
    ELSIF TG_TABLE_NAME = 'cities' THEN
        UPDATE entity_totals SET cities = cities + n;
    ELSE
        UPDATE entity_totals SET sender_clusters = sender_clusters + n;
    END IF;
    RETURN NULL;
END;
$$;

-- The worker's half of a campaign merge: the campaign's own counts and members (scopes 1, 2)
-- moved straight to t, where s itself ends up later in the same chunk (t = s when it does
-- not). A chain a -> s -> t within one chunk used to move a's rows twice; the sums, set
-- unions and min/max come out the same either way, campaign_merges still records s, and s's
-- merged row gets a's first and last seen as if they had passed through it, so the tables do
-- not depend on whether the chain fell in one chunk or several.
CREATE FUNCTION campaign_merge_into(a bigint, s bigint, t bigint, at_report bigint,
                                    at_time timestamptz)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    new_reporters bigint;
    new_senders bigint;
BEGIN
    WITH moved AS (
        INSERT INTO rollup_members (scope, k1, k2, member)
        SELECT scope, t, k2, member FROM rollup_members WHERE scope IN (1, 2) AND k1 = a
        ON CONFLICT DO NOTHING RETURNING scope)
    SELECT count(*) FILTER (WHERE scope = 1), count(*) FILTER (WHERE scope = 2)
        INTO new_reporters, new_senders FROM moved;
    DELETE FROM rollup_members WHERE scope IN (1, 2) AND k1 = a;

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

-- 003's and 005's merge functions are replaced by the two halves (nothing else called them).
DROP FUNCTION campaign_merge(bigint, bigint, bigint, timestamptz);
DROP FUNCTION sender_cluster_merge(bigint, bigint, bigint, timestamptz);

-- The follower's half of a campaign merge: a's hours, facets, samples, city rows and city
-- members into s (the members new to s become s's city counts, found through the city's
-- hash).
CREATE FUNCTION campaign_facts_merge(a bigint, s bigint)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    r record;
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

    INSERT INTO campaign_cities AS cc (campaign_id, city_key, reports, first_seen, last_seen)
        SELECT s, city_key, reports, first_seen, last_seen FROM campaign_cities
        WHERE campaign_id = a
        ON CONFLICT (campaign_id, city_key) DO UPDATE
        SET reports = cc.reports + excluded.reports,
            first_seen = least(cc.first_seen, excluded.first_seen),
            last_seen = greatest(cc.last_seen, excluded.last_seen);
    DELETE FROM campaign_cities WHERE campaign_id = a;
    FOR r IN
        WITH moved AS (
            INSERT INTO rollup_members (scope, k1, k2, member)
            SELECT scope, s, k2, member FROM rollup_members WHERE scope IN (3, 4) AND k1 = a
            ON CONFLICT DO NOTHING RETURNING scope, k2)
        SELECT scope, k2, count(*) AS n FROM moved GROUP BY 1, 2
    LOOP
        IF r.scope = 3 THEN
            UPDATE campaign_cities cc SET reporters = cc.reporters + r.n FROM cities ci
                WHERE cc.campaign_id = s AND ci.key = cc.city_key AND ci.hash = r.k2;
        ELSE
            UPDATE campaign_cities cc SET senders = cc.senders + r.n FROM cities ci
                WHERE cc.campaign_id = s AND ci.key = cc.city_key AND ci.hash = r.k2;
        END IF;
    END LOOP;
    DELETE FROM rollup_members WHERE scope IN (3, 4) AND k1 = a;
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
