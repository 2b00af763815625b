-- 007: analysts' verdicts on campaigns with their audit trail, and what the allowlist API needs.
--
-- A verdict only changes campaigns.status, never the worker's counters. The status update fires
-- 004's campaigns_changed_upd trigger, so a campaign whose status changed counts as changed for
-- the next incremental export without anything else here.

-- One row per PATCH /v1/campaigns/{id}, written in the transaction that updated the status,
-- while it held the campaign's row lock: the rows of one campaign are in the order the changes
-- happened. A PATCH with the status the campaign already has is recorded too (from = to).
CREATE TABLE campaign_verdicts (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    campaign_id   bigint NOT NULL REFERENCES campaigns (id), -- the live campaign changed
    requested_id  bigint NOT NULL,         -- the id in the request (a merged one differs)
    from_status   text NOT NULL,
    to_status     text NOT NULL
                  CHECK (to_status IN ('open', 'confirmed', 'false_positive', 'blocked')),
    note          text CHECK (length(note) <= 1000),
    api_key_id    bigint NOT NULL,         -- api_keys.id (keys are revoked, never deleted)
    key_name      text NOT NULL,           -- the key's name then, so the trail reads on its own
    changed_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX campaign_verdicts_campaign ON campaign_verdicts (campaign_id, id DESC);

-- The allowlist API stores entries normalised like intake normalises senders, and domains as
-- the indicator extractor writes them (lower-case, Unicode). entry_alt is the other spelling of
-- an internationalised domain (its xn-- form), which a message may use as well: the blocklist
-- leaves out both. Rows inserted by hand keep working: every new column may be NULL.
ALTER TABLE export_allowlist
    ADD COLUMN entry_alt text UNIQUE,
    ADD COLUMN kind text
        CHECK (kind IN ('phone', 'short_code', 'email', 'alphanumeric', 'domain')),
    ADD COLUMN added_by_key_id bigint,
    ADD COLUMN added_by_name text;

-- The kind of an entry added by hand (INSERT with entry only), read from its shape.
CREATE FUNCTION allowlist_kind_guess(e text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN e ~ '^\+[0-9]+$' THEN 'phone'
                WHEN e ~ '^[0-9]+$' THEN 'short_code'
                WHEN e LIKE '%@%' THEN 'email'
                WHEN e LIKE '%.%' THEN 'domain'
                ELSE 'alphanumeric' END
$$;

UPDATE export_allowlist SET kind = allowlist_kind_guess(entry) WHERE kind IS NULL;

-- The JSON of one verdict and of one allowlist entry, in one place for every statement that
-- answers them. Times are RFC 3339 UTC whatever the session's TimeZone.
CREATE FUNCTION campaign_verdict_json(v campaign_verdicts) RETURNS json LANGUAGE sql STABLE AS $$
    SELECT json_build_object('verdict_id', v.id, 'id', v.campaign_id,
        'merged_from', CASE WHEN v.requested_id <> v.campaign_id THEN v.requested_id END,
        'status', v.to_status, 'previous_status', v.from_status,
        'changed_at', to_char(v.changed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
        'changed_by', json_build_object('key_id', v.api_key_id, 'name', v.key_name),
        'note', v.note)
$$;

CREATE FUNCTION allowlist_entry_json(a export_allowlist) RETURNS json LANGUAGE sql STABLE AS $$
    SELECT json_build_object('entry', a.entry,
        'kind', coalesce(a.kind, allowlist_kind_guess(a.entry)), 'note', a.note,
        'added_at', to_char(a.added_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
        'added_by', CASE WHEN a.added_by_key_id IS NOT NULL THEN
            json_build_object('key_id', a.added_by_key_id, 'name', a.added_by_name) END)
$$;
