-- Calls per owning account and ISO week: all, legacy (TLS 1.0/1.1), with a TLS version, without one (unknown).
WITH ${events}
SELECT
  week_start,
  owner_account,
  count(*) AS calls,
  CAST(sum(is_legacy) AS BIGINT) AS legacy_calls,
  count(tls_version) AS tls_calls,
  count(*) - count(tls_version) AS unknown_calls
FROM events
GROUP BY week_start, owner_account
ORDER BY week_start, owner_account
