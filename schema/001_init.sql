-- 001: API keys and the reports table, the durable record of every acknowledged report.

CREATE TABLE api_keys (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    key_hash    bytea NOT NULL UNIQUE CHECK (octet_length(key_hash) = 32), -- SHA-256 of the key
    role        text NOT NULL CHECK (role IN ('reporter', 'relay', 'analyst', 'admin')),
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    created_at  timestamptz NOT NULL DEFAULT now(),
    revoked_at  timestamptz
);

-- Gateways keep keys in memory and reload them on this notification, so a revocation
-- takes effect at once on every gateway.
CREATE FUNCTION api_keys_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('spamgw_api_keys', '');
    RETURN NULL;
END;
$$;
CREATE TRIGGER api_keys_changed AFTER INSERT OR UPDATE OR DELETE ON api_keys
    FOR EACH STATEMENT EXECUTE FUNCTION api_keys_notify();

-- Report ids are taken inside the inserting transaction, after it has an xid. The cluster
-- worker relies on this: once every transaction running when it read the sequence has ended,
-- no report with a lower id can still appear. Every insert into reports must use this default.
CREATE SEQUENCE reports_id_seq;
CREATE FUNCTION report_id_next() RETURNS bigint LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    PERFORM pg_current_xact_id();
    RETURN nextval('reports_id_seq');
END;
$$;

CREATE TABLE reports (
    id                  bigint PRIMARY KEY DEFAULT report_id_next(),
    ingested_at         timestamptz NOT NULL,          -- when the gateway received it
    received_at         timestamptz,                   -- when the subscriber got the spam, as reported
    channel             text NOT NULL
                        CHECK (channel IN ('sms', 'imessage', 'rcs', 'mms', 'call', 'other')),
    sender_raw          text,                          -- sender as given
    sender              text,                          -- normalised: E.164, lower-case e-mail, ...
    sender_kind         text NOT NULL
                        CHECK (sender_kind IN ('phone', 'short_code', 'alphanumeric', 'email', 'unknown')),
    content             text NOT NULL,
    city                text,
    country             text CHECK (country ~ '^[A-Z]{2}$'),
    reporter_pseudonym  text,                          -- HMAC-SHA256 of the reporter's number, hex
    source              text NOT NULL,                 -- api | batch | sms7726
    api_key_id          bigint,                        -- api_keys.id; keys are revoked, never deleted.
                                                       -- No FK: its per-row lock check would halve ingest.
    idempotency_key     text
);

-- Only idempotent requests pay for this index: the rest leave it untouched.
CREATE UNIQUE INDEX reports_idempotency ON reports (api_key_id, idempotency_key)
    WHERE idempotency_key IS NOT NULL;

ALTER SEQUENCE reports_id_seq OWNED BY reports.id;
