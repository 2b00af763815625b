-- 009: campaign_hours' primary key carries the count. Every list item's growth (reports in
-- the last 24 hours against the 24 before) reads a campaign's last 48 hourly rows, which lie
-- on as many heap pages (each row was written in its own hour): 2,450 of the 4,224 buffers
-- of a New York page of 51 campaigns on the 10M-report seed. With reports in the index those
-- are index-only reads (344 buffers; the page's execution 2.4 -> 1.8 ms). The price: an
-- update of a row's count is no longer HOT, but rows are nearly all inserted (4.9M inserts,
-- 0.26M updates in that seed's clustering). ON CONFLICT (campaign_id, hour) still finds it.
ALTER TABLE campaign_hours
    DROP CONSTRAINT campaign_hours_pkey,
    ADD CONSTRAINT campaign_hours_pkey PRIMARY KEY (campaign_id, hour) INCLUDE (reports);
