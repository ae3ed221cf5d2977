-- Legacy (TLS 1.0/1.1) calls per client (principal + user agent + source) and event name, per owning account and
-- ISO week. One pass over the legacy rows only: filtering on tls_version lets engines push it into the Parquet
-- scan. The range is the filter a scan applies row by row (DuckDB takes an IN list only to skip row groups, then
-- decodes every column of every row); the IN list keeps it exact, since other strings can sort inside the range. Each event_id counts once (a call has one event name, so the per-name counts add up exactly per client);
-- the report rolls the rows up per client and keeps the top names and their first event IDs as samples.
WITH ${events}
SELECT
  week_start,
  owner_account,
  principal,
  user_agent,
  source,
  event_name,
  count(DISTINCT event_id) AS legacy_calls,
  min(event_id) AS sample_event_id,
  min(event_time) AS first_seen,
  max(event_time) AS last_seen,
  array_agg(DISTINCT tls_version) AS tls_versions,
  array_agg(DISTINCT COALESCE(cipher_suite, 'unknown')) AS cipher_suites,
  array_agg(DISTINCT COALESCE(client_host, event_source)) AS endpoints,
  array_agg(DISTINCT event_source) AS event_sources,
  array_agg(DISTINCT region) AS regions,
  array_agg(DISTINCT account_id) AS recipient_accounts
FROM events
WHERE tls_version BETWEEN 'TLSv1' AND 'TLSv1.1' AND tls_version IN ('TLSv1', 'TLSv1.1')
GROUP BY week_start, owner_account, principal, user_agent, source, event_name
ORDER BY week_start, owner_account, principal, user_agent, source, event_name
