-- 003: campaigns, sender clusters, cities and their roll-ups, and the cluster worker's durable
-- state. Only the cluster worker writes these tables (one at a time, under an advisory lock);
-- the analyst API only reads them. Every value here is a function of the reports in id order,
-- never of when the worker ran: no now(), no sequences (their values survive a rollback), so a
-- worker killed mid-stream and restarted leaves exactly the tables of an uninterrupted run.

-- Features intake computes once per report. NULL for old rows and for paths that do not compute
-- them: the worker then derives minhash and indicators from content itself.
ALTER TABLE reports
    ADD COLUMN minhash bytea,            -- SGW_MINHASH_K big-endian u32 slots
    ADD COLUMN indicators text[],        -- "url:...", "domain:...", "phone:+1...", ...
    ADD COLUMN reporter_place text,      -- geocode of the reporter's number ("New York, NY")
    ADD COLUMN sender_place text;        -- geocode of the sender's number

-- The follower's watermark: every report with id <= watermark is assigned. One row.
CREATE TABLE cluster_state (
    singleton  boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    watermark  bigint NOT NULL DEFAULT 0
);
INSERT INTO cluster_state DEFAULT VALUES;

-- Canonical cities with their roll-up. key is "CC/REGION/city-slug", "CC/REGION" for a
-- region-only place, so "NYC", "new york, ny" and the geocode of a 212 number are one row.
CREATE TABLE cities (
    key         text PRIMARY KEY,
    country     text NOT NULL,
    region      text NOT NULL DEFAULT '',
    city        text NOT NULL DEFAULT '',
    name        text NOT NULL,               -- display name: "New York, NY", "Shenzhen (深圳)"
    hash        bigint NOT NULL,             -- 64-bit key of key, as rollup_members.k2
    reports     bigint NOT NULL DEFAULT 0,
    reporters   bigint NOT NULL DEFAULT 0,   -- distinct reporter pseudonyms
    senders     bigint NOT NULL DEFAULT 0,   -- distinct normalised senders
    first_seen  timestamptz,
    last_seen   timestamptz
);

-- A campaign's id is the id of its first report. A campaign merged into another keeps its row
-- with merged_into pointing straight at the survivor (kept one hop deep), and its counts
-- moved to the survivor.
CREATE TABLE campaigns (
    id                 bigint PRIMARY KEY,
    status             text NOT NULL DEFAULT 'open'
                       CHECK (status IN ('open', 'confirmed', 'false_positive', 'blocked')),
    merged_into        bigint,
    merged_at          timestamptz,
    first_seen         timestamptz,
    last_seen          timestamptz,
    reports            bigint NOT NULL DEFAULT 0,
    reporters          bigint NOT NULL DEFAULT 0,
    senders            bigint NOT NULL DEFAULT 0,
    sender_cluster_id  bigint,                -- the cluster its senders joined (may be merged)
    cluster_unions     integer NOT NULL DEFAULT 0 -- sender-cluster unions made through it (glue guard)
);
CREATE INDEX campaigns_merged_into ON campaigns (merged_into) WHERE merged_into IS NOT NULL;

-- Every merge, so an old id still resolves and the history can be audited.
CREATE TABLE campaign_merges (
    old_id      bigint PRIMARY KEY,
    survivor    bigint NOT NULL,
    at_report   bigint NOT NULL,              -- the report that bridged the two
    merged_at   timestamptz NOT NULL          -- that report's ingested_at
);

-- Per (campaign, city) roll-up: share of a city = campaign_cities.reports / cities.reports,
-- two primary-key lookups.
CREATE TABLE campaign_cities (
    campaign_id bigint NOT NULL,
    city_key    text NOT NULL,
    reports     bigint NOT NULL DEFAULT 0,
    reporters   bigint NOT NULL DEFAULT 0,
    senders     bigint NOT NULL DEFAULT 0,
    first_seen  timestamptz,
    last_seen   timestamptz,
    PRIMARY KEY (campaign_id, city_key)
);
CREATE INDEX campaign_cities_city ON campaign_cities (city_key, reports DESC);

-- Sender clusters: senders joined through shared campaigns. id is the id of the report that
-- created it; merged like campaigns.
CREATE TABLE sender_clusters (
    id          bigint PRIMARY KEY,
    merged_into bigint,
    merged_at   timestamptz,
    first_seen  timestamptz,
    last_seen   timestamptz,
    reports     bigint NOT NULL DEFAULT 0,
    reporters   bigint NOT NULL DEFAULT 0,
    senders     bigint NOT NULL DEFAULT 0
);
CREATE INDEX sender_clusters_merged_into ON sender_clusters (merged_into)
    WHERE merged_into IS NOT NULL;

CREATE TABLE sender_cluster_merges (
    old_id      bigint PRIMARY KEY,
    survivor    bigint NOT NULL,
    at_report   bigint NOT NULL,
    merged_at   timestamptz NOT NULL
);

-- Sender membership. hash is the 64-bit key rollup_members uses for the sender, so a
-- campaign's senders can be listed without scanning its reports.
CREATE TABLE senders (
    sender       text PRIMARY KEY,
    kind         text NOT NULL,
    hash         bigint NOT NULL,
    cluster_id   bigint NOT NULL,             -- cluster at first sight (resolve via merges)
    first_report bigint NOT NULL,
    unions       integer NOT NULL DEFAULT 0   -- cluster unions made through it (glue guard)
);
CREATE INDEX senders_hash ON senders (hash);

-- Distinct-count bookkeeping for every roll-up, in one table so one statement per chunk
-- inserts all of it: scope says which roll-up (1/2 campaign reporters/senders, 3/4 campaign
-- city reporters/senders, 5/6 sender cluster reporters/senders, 7/8 city reporters/senders),
-- k1 the campaign or cluster id (0 for cities), k2 the city's hash (0 when none), member a
-- 64-bit key of the reporter pseudonym or sender. All integers: no collation in the hottest
-- index the worker writes.
CREATE TABLE rollup_members (
    scope   smallint NOT NULL,
    k1      bigint NOT NULL,
    k2      bigint NOT NULL,
    member  bigint NOT NULL,
    PRIMARY KEY (scope, k1, k2, member)
);

-- One row per assigned report. campaign_id and sender_cluster_id are as decided when the
-- report was assigned; readers resolve them through merged_into.
CREATE TABLE report_assignments (
    report_id          bigint PRIMARY KEY,
    campaign_id        bigint NOT NULL,
    sender_cluster_id  bigint,
    city_key           text
);
CREATE INDEX report_assignments_campaign ON report_assignments (campaign_id);

-- Strong indicators (full URL, non-generic domain, call-back number, handle, e-mail) → the
-- campaign that first used it. A later report with the same indicator joins that campaign.
CREATE TABLE campaign_indicators (
    indicator    text PRIMARY KEY,
    campaign_id  bigint NOT NULL,
    first_report bigint NOT NULL
);
CREATE INDEX campaign_indicators_campaign ON campaign_indicators (campaign_id);

-- LSH representatives: the signatures the worker's in-memory band index holds, so a restart
-- rebuilds exactly the same index.
CREATE TABLE lsh_reps (
    report_id    bigint PRIMARY KEY,
    campaign_id  bigint NOT NULL,
    signature    bytea NOT NULL
);

-- Moves every roll-up of campaign a into campaign s (a merge). The distinct counts grow by the
-- members of a that were new to s (counted by the insert itself), so a merge costs the size of
-- a, not of s, and the result is the same whatever order the reports came in.
CREATE FUNCTION campaign_merge(a bigint, s bigint, at_report bigint, at_time timestamptz)
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
            SELECT scope, s, k2, member FROM rollup_members WHERE scope BETWEEN 1 AND 4 AND k1 = a
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
    DELETE FROM rollup_members WHERE scope BETWEEN 1 AND 4 AND k1 = a;

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

-- The same for sender clusters.
CREATE FUNCTION sender_cluster_merge(a bigint, s bigint, at_report bigint, at_time timestamptz)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    new_reporters bigint;
    new_senders bigint;
BEGIN
    WITH moved AS (
        INSERT INTO rollup_members (scope, k1, k2, member)
        SELECT scope, s, k2, member FROM rollup_members WHERE scope IN (5, 6) AND k1 = a
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
        FROM sender_clusters o WHERE c.id = s AND o.id = a;
    UPDATE sender_clusters SET merged_into = s, merged_at = at_time, reports = 0, reporters = 0,
        senders = 0 WHERE id = a;
    UPDATE sender_clusters SET merged_into = s WHERE merged_into = a;
    INSERT INTO sender_cluster_merges (old_id, survivor, at_report, merged_at)
        VALUES (a, s, at_report, at_time);
END;
$$;
