-- Clients (principal + user agent + source) with legacy TLS calls, per owning account and ISO week:
-- all their calls that week (to show every TLS version and cipher they used), legacy ones counted apart.
-- Only these clients' calls are de-duplicated (each event_id once), which keeps the work small.
WITH ${events},
legacy_clients AS (
  -- Filtering on tls_version itself (not is_legacy) lets engines push it into the Parquet scan.
  SELECT DISTINCT week_start, owner_account, principal, user_agent, source FROM events WHERE tls_version IN ('TLSv1', 'TLSv1.1')
),
client_calls AS (
  SELECT e.*, row_number() OVER (PARTITION BY e.event_id ORDER BY e.event_time, e.account_id) AS copy_no
  FROM events e
  JOIN legacy_clients l
    ON e.week_start = l.week_start AND e.owner_account = l.owner_account AND e.principal = l.principal
    AND e.user_agent IS NOT DISTINCT FROM l.user_agent AND e.source = l.source
  -- A cheap semi-join on the principal first keeps the wide join to these clients' calls.
  WHERE e.principal IN (SELECT principal FROM legacy_clients)
)
SELECT
  week_start,
  owner_account,
  principal,
  user_agent,
  source,
  CAST(sum(is_legacy) AS BIGINT) AS legacy_calls,
  count(*) AS calls,
  min(CASE WHEN is_legacy = 1 THEN event_time END) AS first_seen,
  max(CASE WHEN is_legacy = 1 THEN event_time END) AS last_seen,
  array_sort(array_agg(DISTINCT COALESCE(tls_version, 'unknown'))) AS tls_versions,
  array_sort(array_agg(DISTINCT COALESCE(cipher_suite, 'unknown'))) AS cipher_suites,
  array_sort(array_agg(DISTINCT COALESCE(client_host, event_source))) AS endpoints,
  array_sort(array_agg(DISTINCT event_source)) AS event_sources,
  array_sort(array_agg(DISTINCT region)) AS regions,
  array_sort(array_agg(DISTINCT account_id)) AS recipient_accounts
FROM client_calls
WHERE copy_no = 1
GROUP BY week_start, owner_account, principal, user_agent, source
ORDER BY week_start, owner_account, legacy_calls DESC, principal, user_agent, source
