-- The calls of a window, each event_id once, attributed to the account that owns the client.
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
    e.*,
    CASE WHEN o.id IS NOT NULL THEN e.caller_account_id ELSE e.account_id END AS owner_account,
    CAST(date_trunc('week', CAST(e.event_date AS date)) AS date) AS week_start,
    COALESCE(NULLIF(e.principal_arn, ''), NULLIF(e.access_key_id, ''), '(no principal)') AS principal,
    COALESCE(NULLIF(e.vpc_endpoint_id, ''), NULLIF(e.source_ip, ''), '(no source)') AS source,
    CASE WHEN e.tls_version IN ('TLSv1', 'TLSv1.1') THEN 1 ELSE 0 END AS is_legacy
  FROM (
    SELECT t.*, row_number() OVER (PARTITION BY t.event_id ORDER BY t.event_time, t.account_id) AS copy_no
    FROM tls_events t
    WHERE t.event_date BETWEEN '${from_date}' AND '${to_date}'
  ) e
  LEFT JOIN org_accounts o ON o.id = e.caller_account_id
  WHERE e.copy_no = 1
)
