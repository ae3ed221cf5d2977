-- Legacy (SSL 3.0, TLS 1.0/1.1) calls per client (caller kind + workload identity, see events.sql) and event name,
-- per owning account and ISO week; the report rolls the rows up per client and keeps the top names and their first
-- event IDs as samples. What the client's calls came with (user agents, sources, sessions) is client_facets.sql.
--
-- Memory stays bounded however many calls one client makes and however long its strings are: nothing holds a
-- client's strings once per call. Per call only narrow values are kept (the event ID and ${client_key}, a 64-bit
-- hash of caller kind and principal); the strings are kept once per client, in `clients`, and joined back
-- to the per-client figures. Each aggregate is a plain hash aggregate or SELECT DISTINCT, which spill to disk past
-- the engine's memory limit; count(DISTINCT …) and array_agg(DISTINCT …) over the calls themselves held every
-- call's group keys in memory (one client with 400k calls ran DuckDB out of 256 MiB). Two clients whose hashes
-- collided within one account, week and event name would share their figures: at 2^64 values, about one chance in
-- 10^11 for 10,000 such clients.
--
-- ${legacy_tls} is the tls_version filter, pushed into the Parquet scan: a range and an IN list of the legacy
-- spellings. The range is the filter a scan applies row by row (DuckDB takes an IN list only to skip row groups, then
-- decodes every column of every row) and leaves out TLSv1.2/TLSv1.3, the bulk; the IN list keeps it exact, since
-- other strings can sort inside the range. Each event_id counts once (CloudTrail's duplicates are the same
-- record, so they fall in the same client and event name, and the per-name counts add up exactly per client).
WITH ${events},
legacy AS (
  SELECT *, ${client_key} AS client_key
  FROM events
  WHERE ${legacy_tls}
),
calls AS (
  SELECT week_start, owner_account, client_key, event_name, count(*) AS legacy_calls
  FROM (SELECT DISTINCT week_start, owner_account, client_key, event_name, event_id FROM legacy) AS ids
  GROUP BY week_start, owner_account, client_key, event_name
),
-- What a client reached and with what: one row per distinct combination, then one row per client and event name.
-- The client's strings ride along (one value per client_key), so `clients` needs no scan of its own: each reference
-- to `legacy` is a scan of every Parquet file of the window.
seen AS (
  SELECT
    week_start, owner_account, client_key, event_name, caller_kind, principal,
    tls_version,
    COALESCE(cipher_suite, 'unknown') AS cipher_suite,
    COALESCE(client_host, event_source) AS endpoint,
    event_source,
    region,
    account_id,
    min(event_id) AS sample_event_id,
    min(event_time) AS first_seen,
    max(event_time) AS last_seen
  FROM legacy
  GROUP BY week_start, owner_account, client_key, event_name, caller_kind, principal, tls_version, COALESCE(cipher_suite, 'unknown'),
    COALESCE(client_host, event_source), event_source, region, account_id
),
described AS (
  SELECT
    week_start, owner_account, client_key, event_name,
    min(sample_event_id) AS sample_event_id,
    min(first_seen) AS first_seen,
    max(last_seen) AS last_seen,
    array_agg(DISTINCT tls_version) AS tls_versions,
    array_agg(DISTINCT cipher_suite) AS cipher_suites,
    array_agg(DISTINCT endpoint) AS endpoints,
    array_agg(DISTINCT event_source) AS event_sources,
    array_agg(DISTINCT region) AS regions,
    array_agg(DISTINCT account_id) AS recipient_accounts
  FROM seen
  GROUP BY week_start, owner_account, client_key, event_name
),
clients AS (
  SELECT DISTINCT week_start, owner_account, caller_kind, principal, event_name, client_key
  FROM seen
)
SELECT
  c.week_start,
  c.owner_account,
  c.caller_kind,
  c.principal,
  c.event_name,
  n.legacy_calls,
  d.sample_event_id,
  d.first_seen,
  d.last_seen,
  CAST(d.tls_versions AS ${list_type}) AS tls_versions,
  CAST(d.cipher_suites AS ${list_type}) AS cipher_suites,
  CAST(d.endpoints AS ${list_type}) AS endpoints,
  CAST(d.event_sources AS ${list_type}) AS event_sources,
  CAST(d.regions AS ${list_type}) AS regions,
  CAST(d.recipient_accounts AS ${list_type}) AS recipient_accounts
FROM clients c
JOIN calls n ON n.week_start = c.week_start AND n.owner_account = c.owner_account AND n.client_key = c.client_key
  AND n.event_name IS NOT DISTINCT FROM c.event_name
JOIN described d ON d.week_start = c.week_start AND d.owner_account = c.owner_account AND d.client_key = c.client_key
  AND d.event_name IS NOT DISTINCT FROM c.event_name
ORDER BY c.week_start, c.owner_account, c.caller_kind, c.principal, c.event_name
