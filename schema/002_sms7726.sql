-- 002: the 7726 SMS conversation. A subscriber (known only by the pseudonym of their number)
-- has at most one forwarded report waiting for its sender. Both tables are small and short-lived:
-- a waiting report becomes a row in reports (with or without a sender) and is deleted; an idle
-- subscriber row is deleted by the sweep once its rate-limit bucket would be full again.

-- One row per subscriber writing to 7726: the row every step of their conversation locks
-- (so two gateways serving the same subscriber take turns), their rate-limit bucket, and the
-- last message handled with its reply (Kannel retries a request whose answer it did not get;
-- the retry is answered again instead of being applied twice).
CREATE TABLE sms7726_subscribers (
    pseudonym        text PRIMARY KEY,             -- HMAC-SHA256 of the E.164 number, hex
    tokens           double precision NOT NULL,    -- token bucket: reports still allowed now
    tokens_at        timestamptz NOT NULL,         -- when tokens was computed
    last_msg_id      text,                         -- Kannel's message id (%I) of the last step
    last_reply       text,
    last_reply_ucs2  boolean NOT NULL DEFAULT false,
    updated_at       timestamptz NOT NULL
) WITH (fillfactor = 70); -- room on the page for the HOT rewrite of every step

-- The forwarded report waiting for its sender. Everything the report needs is kept here because
-- the subscriber's number is not: city and country were geocoded when the forward arrived.
CREATE TABLE sms7726_pending (
    pseudonym    text PRIMARY KEY,                 -- sms7726_subscribers.pseudonym
    content      text NOT NULL,
    lang         text NOT NULL CHECK (lang IN ('en', 'zh')),
    opened_at    timestamptz NOT NULL,             -- becomes reports.ingested_at
    expires_at   timestamptz NOT NULL,
    received_at  timestamptz,                      -- the SMSC's time of the forward
    city         text,
    country      text CHECK (country ~ '^[A-Z]{2}$'),
    smsc         text,
    api_key_id   bigint                            -- the relay key that delivered the forward
);

-- The sweep takes the oldest expired reports first.
CREATE INDEX sms7726_pending_expiry ON sms7726_pending (expires_at);
-- No index on updated_at: every step rewrites the row, and with the primary key as its only
-- index those rewrites stay HOT (no index entry per step). The sweep that forgets idle
-- subscribers scans the table instead; it holds only the last hour's subscribers.
