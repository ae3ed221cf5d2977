-- legacy_calls_weekly: per account reached (account_id) and ISO week (week_start, a Monday), all calls, legacy calls
-- (SSL 3.0, TLS 1.0/1.1), calls without TLS details (unknown: the service did not say, never "fine") and the clients
-- making legacy calls. Each event counts once. For QuickSight: import into SPICE and refresh weekly (the view reads
-- every day of the table; for a window, filter tls_calls on event_date).
CREATE OR REPLACE VIEW legacy_calls_weekly AS
SELECT
  account_id,
  week_start,
  count(DISTINCT event_id) AS calls,
  count(DISTINCT CASE WHEN tls_class = 'legacy' THEN event_id END) AS legacy_calls,
  count(DISTINCT CASE WHEN tls_class = 'unknown' THEN event_id END) AS unknown_calls,
  count(DISTINCT CASE WHEN tls_class = 'unrecognised' THEN event_id END) AS unrecognised_calls,
  count(DISTINCT CASE WHEN tls_class = 'legacy' THEN caller_kind || chr(31) || principal END) AS legacy_clients
FROM tls_calls
GROUP BY account_id, week_start
