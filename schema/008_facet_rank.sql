-- 008: a campaign's facets and cities in report order. The campaign page, its /senders and
-- /indicators pages and the exports show the senders and indicators with most reports: without this index
-- each read sorted every facet of the campaign (60,000 senders and 2 million URL tags for the
-- biggest campaign of the 10 M-report seed: 0.1-0.9 s per read).
CREATE INDEX campaign_facets_rank ON campaign_facets (campaign_id, kind, reports DESC, key);

-- A campaign's cities in report order: every list item shows the campaign's top three cities,
-- and sorting the ~200 cities of each big campaign was three quarters of a list page's time.
CREATE INDEX campaign_cities_rank ON campaign_cities (campaign_id, reports DESC, city_key);
