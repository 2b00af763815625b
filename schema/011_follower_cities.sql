-- 011: the per-(campaign, city) and per-city roll-ups (campaign_cities, cities, and their
-- distinct reporters and senders, rollup_members scopes 3, 4, 7, 8) move to the facts
-- follower of 010 as well. They were half of the member rows the worker inserted (a report
-- adds its reporter and sender to its campaign, its campaign in its city, its sender
-- cluster and its city) and its campaign_cities upsert. The follower writes them from
-- report_assignments in id order like the facts, before the merges of its range, and its
-- half of a campaign merge now moves a's city rows and city members too; the worker's half
-- keeps the campaign's own counts and members (scopes 1, 2). The two never write the same
-- rows: campaign_cities, cities and scopes 3, 4, 7, 8 are the follower's, the rest the
-- worker's.

-- Only entity_totals is shared (one row): the worker's inserts update it every chunk, the
-- follower's only when a city is new. A statement that inserted nothing no longer takes the
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

-- The worker's half of a campaign merge (010's, without the city rows and city members).
CREATE OR REPLACE FUNCTION campaign_merge_into(a bigint, s bigint, t bigint, at_report bigint,
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

-- The follower's half: 010's facts, then a's city rows and their distinct members into s
-- (the members new to s become s's city counts, found through the city's hash).
CREATE OR REPLACE FUNCTION campaign_facts_merge(a bigint, s bigint)
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
