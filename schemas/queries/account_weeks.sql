-- Calls per owning account and ISO week: all, legacy (TLS 1.0/1.1), with a TLS version, without one (unknown).
-- Each event_id counts once. An event has one TLS class (CloudTrail's duplicates are the same record), so one
-- distinct count per class is exact and needs one set of IDs instead of one per figure.
WITH ${events},
per_class AS (
  SELECT
    week_start,
    owner_account,
    CASE WHEN tls_version IS NULL THEN 'unknown' WHEN is_legacy = 1 THEN 'legacy' ELSE 'current' END AS tls_class,
    count(DISTINCT event_id) AS calls
  FROM events
  GROUP BY 1, 2, 3
)
SELECT
  week_start,
  owner_account,
  CAST(sum(calls) AS BIGINT) AS calls,
  CAST(sum(CASE WHEN tls_class = 'legacy' THEN calls ELSE 0 END) AS BIGINT) AS legacy_calls,
  CAST(sum(CASE WHEN tls_class <> 'unknown' THEN calls ELSE 0 END) AS BIGINT) AS tls_calls,
  CAST(sum(CASE WHEN tls_class = 'unknown' THEN calls ELSE 0 END) AS BIGINT) AS unknown_calls
FROM per_class
GROUP BY week_start, owner_account
ORDER BY week_start, owner_account
