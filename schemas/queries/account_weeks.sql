-- Calls per owning account and ISO week: all; legacy (SSL 3.0, TLS 1.0/1.1); current (TLS 1.2/1.3); unknown (the
-- service did not report TLS); unrecognised (a tls_version value none of the known spellings match, shown with
-- unknown and never counted as current), with the values themselves. (Legacy calls with console session credentials
-- or without an identity are counted per client, in offenders.sql: each call belongs to one client.)
-- Each event_id counts once. An event has one TLS class (CloudTrail's duplicates are the same record), so one
-- distinct count per class is exact and needs one set of IDs instead of one per figure.
WITH ${events},
per_class AS (
  SELECT
    week_start,
    owner_account,
    tls_class,
    CASE WHEN tls_class = 'unrecognised' THEN substr(tls_version, 1, 64) END AS odd_value,
    count(DISTINCT event_id) AS calls
  FROM events
  GROUP BY 1, 2, 3, 4
)
SELECT
  week_start,
  owner_account,
  CAST(sum(calls) AS BIGINT) AS calls,
  CAST(sum(CASE WHEN tls_class = 'legacy' THEN calls ELSE 0 END) AS BIGINT) AS legacy_calls,
  CAST(sum(CASE WHEN tls_class IN ('legacy', 'current') THEN calls ELSE 0 END) AS BIGINT) AS tls_calls,
  CAST(sum(CASE WHEN tls_class = 'unknown' THEN calls ELSE 0 END) AS BIGINT) AS unknown_calls,
  CAST(sum(CASE WHEN tls_class = 'unrecognised' THEN calls ELSE 0 END) AS BIGINT) AS unrecognised_calls,
  CAST(array_agg(DISTINCT odd_value) FILTER (WHERE odd_value IS NOT NULL) AS ${list_type}) AS unrecognised_values
FROM per_class
GROUP BY week_start, owner_account
ORDER BY week_start, owner_account
