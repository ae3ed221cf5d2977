-- Clients (principal + user agent + source) with legacy TLS calls, per owning account and ISO week.
WITH ${events}
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
FROM events
GROUP BY week_start, owner_account, principal, user_agent, source
HAVING sum(is_legacy) > 0
ORDER BY week_start, owner_account, legacy_calls DESC, principal, user_agent, source
