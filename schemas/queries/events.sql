-- The calls of a window, one row per delivered record, each attributed to the account that owns the client.
-- CloudTrail sometimes delivers a record twice: the queries count DISTINCT event_id (duplicates are the same
-- record, so they fall in the same group), so each event counts once.
-- Used as a CTE by the other queries (`pipeline report --print-sql` prints them composed).
-- ${from_date}, ${to_date}: the window as 'YYYY-MM-DD' (prunes event_date partitions).
-- ${owner_accounts}: the owners file's accounts as a VALUES list; with the lake's accounts they are the organization.
-- Ownership is an IN (subquery), not a LEFT JOIN: DuckDB built the join's hash table from the window's rows rather
-- than from the few accounts (10M calls ran it out of memory before any aggregate); IN always builds from the list.
-- principal, user_agent and source are cut at 1,024 characters (the report shows 400; the lake keeps up to 8 KiB).
org_accounts AS (
  SELECT DISTINCT account_id AS id FROM tls_events WHERE event_date BETWEEN '${from_date}' AND '${to_date}'
  UNION
  SELECT id FROM (VALUES ${owner_accounts}) AS owners (id)
),
events AS (
  SELECT
    t.event_id,
    t.event_time,
    t.account_id,
    t.tls_version,
    t.cipher_suite,
    t.client_host,
    t.event_source,
    t.event_name,
    t.region,
    substr(t.user_agent, 1, 1024) AS user_agent,
    CASE WHEN t.caller_account_id IN (SELECT id FROM org_accounts) THEN t.caller_account_id ELSE t.account_id END AS owner_account,
    CAST(date_trunc('week', CAST(t.event_date AS date)) AS date) AS week_start,
    substr(COALESCE(NULLIF(t.principal_arn, ''), NULLIF(t.access_key_id, ''), '(no principal)'), 1, 1024) AS principal,
    substr(COALESCE(NULLIF(t.vpc_endpoint_id, ''), NULLIF(t.source_ip, ''), '(no source)'), 1, 1024) AS source,
    CASE WHEN t.tls_version IN ('TLSv1', 'TLSv1.1') THEN 1 ELSE 0 END AS is_legacy
  FROM tls_events t
  WHERE t.event_date BETWEEN '${from_date}' AND '${to_date}'
)
