-- 005: what the campaign read API needs beyond 003's roll-ups: an hourly count per campaign
-- (growth, timelines), per-campaign facets (senders, indicators, countries, channels with
-- counts), two sample texts per campaign for text search, and indexes that match each sort of
-- GET /v1/campaigns. Like 003's tables, every value here is a function of the reports in id
-- order (sums, min/max, the lowest and highest report id), written by the cluster worker in
-- the transaction of its other roll-ups and moved by campaign_merge, so a restarted worker
-- writes exactly the rows an uninterrupted one would.

-- Text search over the samples. pg_trgm is a trusted extension (PostgreSQL 13+): a database
-- owner without superuser may create it.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- Reports per campaign per hour of ingested_at (UTC, hour start).
CREATE TABLE campaign_hours (
    campaign_id bigint NOT NULL,
    hour        timestamptz NOT NULL,
    reports     bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (campaign_id, hour)
) WITH (fillfactor = 80);
-- The campaigns active in the last 48 hours (sort=growth) without reading every campaign.
CREATE INDEX campaign_hours_hour ON campaign_hours (hour);

-- Per (campaign, kind, key): kind 1 a normalised sender, 2 an indicator tag ("url:...",
-- "domain:...", "phone:+1...", "email:...", "handle:..."), 3 a country (ISO alpha-2), 4 a
-- channel. Filters on country and channel are primary-key probes of this table.
CREATE TABLE campaign_facets (
    campaign_id bigint NOT NULL,
    kind        smallint NOT NULL CHECK (kind BETWEEN 1 AND 4),
    key         text NOT NULL,
    reports     bigint NOT NULL DEFAULT 0,
    first_seen  timestamptz,
    last_seen   timestamptz,
    PRIMARY KEY (campaign_id, kind, key)
) WITH (fillfactor = 80); -- room for HOT updates: the worker bumps counts, never keys

-- The campaign's first and latest report (by id) and their texts: the list's "sample" (the
-- latest) and the ?q= search (the first: the template as it was first reported). Only the
-- first text is indexed: the latest changes with every chunk, and a trigram index on it cost
-- the worker more than every other roll-up together; without it those updates are HOT.
CREATE TABLE campaign_samples (
    campaign_id   bigint PRIMARY KEY,
    first_report  bigint NOT NULL,
    first_content text NOT NULL,
    last_report   bigint NOT NULL,
    last_content  text NOT NULL
) WITH (fillfactor = 70);
CREATE INDEX campaign_samples_first_trgm ON campaign_samples USING gin (first_content gin_trgm_ops);

-- Keyset pagination of the list: one index per sort, (sort value, id), live campaigns only.
-- Scanned backwards for the default descending order.
CREATE INDEX campaigns_live_reports ON campaigns (reports, id) WHERE merged_into IS NULL;
CREATE INDEX campaigns_live_reporters ON campaigns (reporters, id) WHERE merged_into IS NULL;
CREATE INDEX campaigns_live_last_seen ON campaigns (last_seen, id) WHERE merged_into IS NULL;
-- ?city= sorted by the campaign's reports in that city.
CREATE INDEX campaign_cities_city_page ON campaign_cities (city_key, reports, campaign_id);

-- A campaign's reports newest first without touching reports. It serves every lookup the
-- single-column index did, so that one goes (one index less for the worker to write).
CREATE INDEX report_assignments_campaign_report ON report_assignments (campaign_id, report_id);
DROP INDEX report_assignments_campaign;

-- Existing campaigns get what 005's roll-ups would have held (empty on a fresh database). Rows
-- whose indicators column is NULL get no tag facets here (the worker derives those from the
-- content); every other value is what the worker would have written.
INSERT INTO campaign_hours (campaign_id, hour, reports)
    SELECT coalesce(c.merged_into, c.id), date_trunc('hour', r.ingested_at AT TIME ZONE 'UTC')
           AT TIME ZONE 'UTC', count(*)
    FROM report_assignments a JOIN reports r ON r.id = a.report_id
    JOIN campaigns c ON c.id = a.campaign_id GROUP BY 1, 2;
INSERT INTO campaign_facets (campaign_id, kind, key, reports, first_seen, last_seen)
    SELECT k, kind, key, count(*), min(at), max(at) FROM (
        SELECT coalesce(c.merged_into, c.id) AS k, f.kind, f.key, r.ingested_at AS at
        FROM report_assignments a JOIN reports r ON r.id = a.report_id
        JOIN campaigns c ON c.id = a.campaign_id
        LEFT JOIN cities ci ON ci.key = a.city_key
        CROSS JOIN LATERAL (
            SELECT 1::smallint, r.sender WHERE r.sender <> ''
            UNION ALL SELECT DISTINCT 2::smallint, t FROM unnest(r.indicators) t
            UNION ALL SELECT 3::smallint, coalesce(r.country, nullif(ci.country, 'ZZ'))
            UNION ALL SELECT 4::smallint, r.channel) f(kind, key)
        WHERE f.key IS NOT NULL) x
    GROUP BY 1, 2, 3;
INSERT INTO campaign_samples (campaign_id, first_report, first_content, last_report, last_content)
    SELECT x.k, x.f, rf.content, x.l, rl.content FROM (
        SELECT coalesce(c.merged_into, c.id) AS k, min(a.report_id) AS f, max(a.report_id) AS l
        FROM report_assignments a JOIN campaigns c ON c.id = a.campaign_id GROUP BY 1) x
    JOIN reports rf ON rf.id = x.f JOIN reports rl ON rl.id = x.l;

-- campaign_merge, as in 003, now also moving the hours, facets and samples of a into s.
CREATE OR REPLACE FUNCTION campaign_merge(a bigint, s bigint, at_report bigint, at_time timestamptz)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    r record;
    new_reporters bigint := 0;
    new_senders bigint := 0;
BEGIN
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
            SELECT scope, s, k2, member FROM rollup_members WHERE scope IN (1, 2, 3, 4) AND k1 = a
            ON CONFLICT DO NOTHING RETURNING scope, k2)
        SELECT scope, k2, count(*) AS n FROM moved GROUP BY 1, 2
    LOOP
        IF r.scope = 1 THEN
            new_reporters := new_reporters + r.n;
        ELSIF r.scope = 2 THEN
            new_senders := new_senders + r.n;
        ELSIF r.scope = 3 THEN
            UPDATE campaign_cities cc SET reporters = cc.reporters + r.n FROM cities ci
                WHERE cc.campaign_id = s AND ci.key = cc.city_key AND ci.hash = r.k2;
        ELSE
            UPDATE campaign_cities cc SET senders = cc.senders + r.n FROM cities ci
                WHERE cc.campaign_id = s AND ci.key = cc.city_key AND ci.hash = r.k2;
        END IF;
    END LOOP;
    DELETE FROM rollup_members WHERE scope IN (1, 2, 3, 4) AND k1 = a;

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

    UPDATE campaigns c SET
        reports = c.reports + o.reports,
        first_seen = least(c.first_seen, o.first_seen),
        last_seen = greatest(c.last_seen, o.last_seen),
        reporters = c.reporters + new_reporters,
        senders = c.senders + new_senders
        FROM campaigns o WHERE c.id = s AND o.id = a;
    UPDATE campaigns SET merged_into = s, merged_at = at_time, reports = 0, reporters = 0,
        senders = 0 WHERE id = a;
    UPDATE campaigns SET merged_into = s WHERE merged_into = a;
    INSERT INTO campaign_merges (old_id, survivor, at_report, merged_at)
        VALUES (a, s, at_report, at_time);
END;
$$;
