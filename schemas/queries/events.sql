-- The calls of a window, one row per delivered record, each attributed to the account that owns the client.
-- CloudTrail sometimes delivers a record twice: the queries count DISTINCT event_id (duplicates are the same
-- record, so they fall in the same group), so each event counts once.
-- Used as a CTE by the other queries (`pipeline report --print-sql` prints them composed).
-- ${from_date}, ${to_date}: the window as 'YYYY-MM-DD' (prunes event_date partitions).
-- ${owner_accounts}: the owners file's accounts as a VALUES list; with the lake's accounts they are the organization.
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
    t.user_agent,
    CASE WHEN o.id IS NOT NULL THEN t.caller_account_id ELSE t.account_id END AS owner_account,
    CAST(date_trunc('week', CAST(t.event_date AS date)) AS date) AS week_start,
    COALESCE(NULLIF(t.principal_arn, ''), NULLIF(t.access_key_id, ''), '(no principal)') AS principal,
    COALESCE(NULLIF(t.vpc_endpoint_id, ''), NULLIF(t.source_ip, ''), '(no source)') AS source,
    CASE WHEN t.tls_version IN ('TLSv1', 'TLSv1.1') THEN 1 ELSE 0 END AS is_legacy
  FROM tls_events t
  LEFT JOIN org_accounts o ON o.id = t.caller_account_id
  WHERE t.event_date BETWEEN '${from_date}' AND '${to_date}'
)
