-- Calls per owning account and ISO week: all, legacy (TLS 1.0/1.1), with a TLS version, without one (unknown).
-- Each event_id counts once.
WITH ${events}
SELECT
  week_start,
  owner_account,
  count(DISTINCT event_id) AS calls,
  count(DISTINCT CASE WHEN is_legacy = 1 THEN event_id END) AS legacy_calls,
  count(DISTINCT CASE WHEN tls_version IS NOT NULL THEN event_id END) AS tls_calls,
  count(DISTINCT CASE WHEN tls_version IS NULL THEN event_id END) AS unknown_calls
FROM events
GROUP BY week_start, owner_account
ORDER BY week_start, owner_account
