-- 006: what the analyst reads of sender clusters, senders, cities and /v1/stats need, so that
-- each one is a handful of index scans and never a scan of reports.
--
-- Every roll-up added here is still a function of the reports in id order (sums, min/max, and
-- counts of rows that exist), so a restarted cluster worker leaves exactly the same rows. Most
-- are kept by statement-level triggers on the tables the worker already writes: the worker's
-- code stays as it was, and each trigger costs one statement per worker statement, not per row.
-- Only the per-sender counts are written by the worker itself (with its senders upsert), because
-- the senders row of a new sender does not exist yet when its reports are assigned.

-- Per sender: reports, first and last seen (cluster worker, cluster_senders_upsert).
ALTER TABLE senders
    ADD COLUMN reports bigint NOT NULL DEFAULT 0,
    ADD COLUMN first_seen timestamptz,
    ADD COLUMN last_seen timestamptz;
UPDATE senders s SET reports = x.n, first_seen = x.f, last_seen = x.l
    FROM (SELECT r.sender, count(*) AS n, min(r.ingested_at) AS f, max(r.ingested_at) AS l
          FROM reports r WHERE r.id <= (SELECT watermark FROM cluster_state)
          AND r.sender_kind <> 'unknown' AND r.sender <> '' GROUP BY r.sender) x
    WHERE s.sender = x.sender;
-- A cluster's senders by reports: senders.cluster_id is the cluster at first sight, so a
-- cluster's senders are those of it and of the clusters merged into it (one hop), each range
-- read top-down from this index.
CREATE INDEX senders_cluster_rank ON senders (cluster_id, reports, sender);

-- The campaigns a sender appears in: rollup_members scope 2 is (campaign, 0, sender hash), and
-- campaign_merge moves those rows to the survivor, so they always name live campaigns.
CREATE INDEX rollup_members_sender_campaigns ON rollup_members (member, k1) WHERE scope = 2;

-- Live sender clusters in every order the list offers (keyset pagination on (value, id)).
CREATE INDEX sender_clusters_rank_reports ON sender_clusters (reports, id)
    WHERE merged_into IS NULL;
CREATE INDEX sender_clusters_rank_senders ON sender_clusters (senders, id)
    WHERE merged_into IS NULL;
CREATE INDEX sender_clusters_rank_last_seen ON sender_clusters (last_seen, id)
    WHERE merged_into IS NULL;

-- Live campaigns of a sender cluster (campaigns.sender_cluster_id may name a merged cluster,
-- so readers look up the survivor and each cluster merged into it).
CREATE INDEX campaigns_cluster_rank ON campaigns (sender_cluster_id, reports, id)
    WHERE merged_into IS NULL;

-- Cities in list order, overall and per country.
CREATE INDEX cities_rank_reports ON cities (reports, key);
CREATE INDEX cities_country_rank_reports ON cities (country, reports, key);
CREATE INDEX cities_rank_last_seen ON cities (last_seen, key);
CREATE INDEX cities_country_rank_last_seen ON cities (country, last_seen, key);

-- A city's campaigns by reports with a unique tie-break, for keyset pages: 005's
-- campaign_cities_city_page (city_key, reports, campaign_id), read backwards. It covers 003's
-- (city_key, reports DESC), which would only cost the worker a second index write.
DROP INDEX campaign_cities_city;

-- Live campaigns per city: the number of campaign_cities rows of the city. Kept apart from
-- cities because the worker writes campaign_cities before it creates a new city's row.
CREATE TABLE city_campaign_counts (
    city_key   text PRIMARY KEY,
    campaigns  bigint NOT NULL DEFAULT 0
);
INSERT INTO city_campaign_counts (city_key, campaigns)
    SELECT city_key, count(*) FROM campaign_cities GROUP BY 1;

CREATE FUNCTION city_campaign_counts_ins() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO city_campaign_counts AS c (city_key, campaigns)
        SELECT city_key, count(*) FROM changed GROUP BY 1
        ON CONFLICT (city_key) DO UPDATE SET campaigns = c.campaigns + excluded.campaigns;
    RETURN NULL;
END;
$$;
CREATE FUNCTION city_campaign_counts_del() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE city_campaign_counts c SET campaigns = c.campaigns - x.n
        FROM (SELECT city_key, count(*) AS n FROM changed GROUP BY 1) x
        WHERE c.city_key = x.city_key;
    RETURN NULL;
END;
$$;
-- An upsert's INSERT trigger sees only the rows it inserted.
CREATE TRIGGER campaign_cities_counted_ins AFTER INSERT ON campaign_cities
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION city_campaign_counts_ins();
CREATE TRIGGER campaign_cities_counted_del AFTER DELETE ON campaign_cities
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION city_campaign_counts_del();

-- Per (sender cluster, city) reports, keyed by the surviving cluster: rows of a cluster move to
-- its survivor when it is merged. Shares of a city = reports / cities.reports.
CREATE TABLE sender_cluster_cities (
    cluster_id  bigint NOT NULL,
    city_key    text NOT NULL,
    reports     bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (cluster_id, city_key)
);
CREATE INDEX sender_cluster_cities_rank ON sender_cluster_cities (cluster_id, reports, city_key);
INSERT INTO sender_cluster_cities (cluster_id, city_key, reports)
    SELECT coalesce(sc.merged_into, sc.id), a.city_key, count(*) FROM report_assignments a
    JOIN sender_clusters sc ON sc.id = a.sender_cluster_id
    WHERE a.city_key IS NOT NULL GROUP BY 1, 2;

-- Assigned reports per minute of ingested_at (minutes since 1970, UTC), for "the last hour"
-- and "the last day" without touching reports.
CREATE TABLE report_minutes (
    minute   bigint PRIMARY KEY,
    reports  bigint NOT NULL DEFAULT 0
);
INSERT INTO report_minutes (minute, reports)
    SELECT floor(date_part('epoch', r.ingested_at) / 60)::bigint, count(*)
    FROM report_assignments a JOIN reports r ON r.id = a.report_id GROUP BY 1;

-- Totals for /v1/stats (one row). campaigns counts live campaigns by status, below.
CREATE TABLE entity_totals (
    singleton        boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    reports          bigint NOT NULL DEFAULT 0,   -- assigned reports
    sender_clusters  bigint NOT NULL DEFAULT 0,   -- live (not merged)
    senders          bigint NOT NULL DEFAULT 0,
    cities           bigint NOT NULL DEFAULT 0
);
INSERT INTO entity_totals (reports, sender_clusters, senders, cities) VALUES (
    (SELECT count(*) FROM report_assignments),
    (SELECT count(*) FROM sender_clusters WHERE merged_into IS NULL),
    (SELECT count(*) FROM senders),
    (SELECT count(*) FROM cities));

CREATE TABLE campaign_status_counts (
    status     text PRIMARY KEY,
    campaigns  bigint NOT NULL DEFAULT 0          -- live campaigns with this status
);
INSERT INTO campaign_status_counts (status, campaigns)
    SELECT s, (SELECT count(*) FROM campaigns WHERE merged_into IS NULL AND status = s)
    FROM unnest(ARRAY['open', 'confirmed', 'false_positive', 'blocked']) AS s;
INSERT INTO campaign_status_counts AS c (status, campaigns)
    SELECT status, count(*) FROM campaigns WHERE merged_into IS NULL GROUP BY 1
    ON CONFLICT (status) DO UPDATE SET campaigns = excluded.campaigns;

-- The worker's one insert of assignments per chunk: cluster-city counts, minutes, total. The
-- reports are found by primary key (= ANY of the chunk's ids), never by a scan.
CREATE FUNCTION report_assignments_rollup() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO sender_cluster_cities AS s (cluster_id, city_key, reports)
        SELECT sender_cluster_id, city_key, count(*) FROM assigned
        WHERE sender_cluster_id IS NOT NULL AND city_key IS NOT NULL GROUP BY 1, 2
        ON CONFLICT (cluster_id, city_key) DO UPDATE SET reports = s.reports + excluded.reports;
    INSERT INTO report_minutes AS m (minute, reports)
        SELECT floor(date_part('epoch', r.ingested_at) / 60)::bigint, count(*) FROM reports r
        WHERE r.id = ANY (ARRAY(SELECT report_id FROM assigned)) GROUP BY 1
        ON CONFLICT (minute) DO UPDATE SET reports = m.reports + excluded.reports;
    UPDATE entity_totals SET reports = reports + (SELECT count(*) FROM assigned);
    RETURN NULL;
END;
$$;
CREATE TRIGGER report_assignments_rolled_up AFTER INSERT ON report_assignments
    REFERENCING NEW TABLE AS assigned FOR EACH STATEMENT
    EXECUTE FUNCTION report_assignments_rollup();

CREATE FUNCTION entity_totals_ins() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    n bigint;
BEGIN
    SELECT count(*) INTO n FROM changed;
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
CREATE TRIGGER senders_counted AFTER INSERT ON senders
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION entity_totals_ins();
CREATE TRIGGER cities_counted AFTER INSERT ON cities
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION entity_totals_ins();
CREATE TRIGGER sender_clusters_counted AFTER INSERT ON sender_clusters
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION entity_totals_ins();

-- A sender cluster merged away (sender_cluster_merge sets merged_into once; re-pointing its
-- children later changes a non-NULL value and does not fire): one live cluster fewer, and its
-- city counts move to the survivor.
CREATE FUNCTION sender_clusters_merged() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE entity_totals SET sender_clusters = sender_clusters - 1;
    INSERT INTO sender_cluster_cities AS s (cluster_id, city_key, reports)
        SELECT NEW.merged_into, city_key, reports FROM sender_cluster_cities
        WHERE cluster_id = OLD.id
        ON CONFLICT (cluster_id, city_key) DO UPDATE SET reports = s.reports + excluded.reports;
    DELETE FROM sender_cluster_cities WHERE cluster_id = OLD.id;
    RETURN NULL;
END;
$$;
CREATE TRIGGER sender_clusters_merged AFTER UPDATE OF merged_into ON sender_clusters
    FOR EACH ROW WHEN (OLD.merged_into IS NULL AND NEW.merged_into IS NOT NULL)
    EXECUTE FUNCTION sender_clusters_merged();

-- Live campaigns by status: new campaigns, merges (merged_into set) and status changes.
CREATE FUNCTION campaign_status_counts_ins() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO campaign_status_counts AS c (status, campaigns)
        SELECT status, count(*) FROM changed WHERE merged_into IS NULL GROUP BY 1
        ON CONFLICT (status) DO UPDATE SET campaigns = c.campaigns + excluded.campaigns;
    RETURN NULL;
END;
$$;
CREATE TRIGGER campaigns_status_counted_ins AFTER INSERT ON campaigns
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT
    EXECUTE FUNCTION campaign_status_counts_ins();

CREATE FUNCTION campaign_status_counts_upd() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.merged_into IS NULL THEN
        UPDATE campaign_status_counts SET campaigns = campaigns - 1 WHERE status = OLD.status;
    END IF;
    IF NEW.merged_into IS NULL THEN
        INSERT INTO campaign_status_counts AS c (status, campaigns) VALUES (NEW.status, 1)
            ON CONFLICT (status) DO UPDATE SET campaigns = c.campaigns + 1;
    END IF;
    RETURN NULL;
END;
$$;
-- Fires only for UPDATEs that set status or merged_into (not the worker's count updates).
CREATE TRIGGER campaigns_status_counted_upd AFTER UPDATE OF status, merged_into ON campaigns
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status
                       OR (OLD.merged_into IS NULL) <> (NEW.merged_into IS NULL))
    EXECUTE FUNCTION campaign_status_counts_upd();

-- RFC 3339 UTC with microseconds, whatever the session's TimeZone.
CREATE FUNCTION sgw_rfc3339(t timestamptz) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
$$;

-- The URL-safe id of a city key: '/' becomes '~', which city keys never contain (they are
-- built from ISO codes, folded letters and digits, '-' and non-ASCII bytes; see city.c).
CREATE FUNCTION sgw_city_id(key text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT replace(key, '/', '~')
$$;

-- One city as every city route shows it, with its three top campaigns.
CREATE FUNCTION sgw_city_object(ci cities) RETURNS json LANGUAGE sql STABLE AS $$
    SELECT json_build_object('id', sgw_city_id(ci.key), 'key', ci.key, 'name', ci.name,
        'country', ci.country, 'region', nullif(ci.region, ''), 'reports', ci.reports,
        'reporters', ci.reporters, 'senders', ci.senders,
        'campaigns', coalesce((SELECT campaigns FROM city_campaign_counts
                               WHERE city_key = ci.key), 0),
        'first_seen', sgw_rfc3339(ci.first_seen), 'last_seen', sgw_rfc3339(ci.last_seen),
        'top_campaigns', (SELECT coalesce(json_agg(json_build_object('id', t.campaign_id,
            'reports', t.reports, 'share', round(t.reports::numeric / nullif(ci.reports, 0), 4))
            ORDER BY t.reports DESC, t.campaign_id DESC), '[]')
            FROM (SELECT campaign_id, reports FROM campaign_cities WHERE city_key = ci.key
                  ORDER BY reports DESC, campaign_id DESC LIMIT 3) t))
$$;

-- One sender cluster as the list shows it.
CREATE FUNCTION sgw_sender_cluster_object(sc sender_clusters) RETURNS json LANGUAGE sql STABLE AS $$
    SELECT json_build_object('id', sc.id, 'counts', json_build_object('reports', sc.reports,
        'reporters', sc.reporters, 'senders', sc.senders),
        'first_seen', sgw_rfc3339(sc.first_seen), 'last_seen', sgw_rfc3339(sc.last_seen))
$$;
