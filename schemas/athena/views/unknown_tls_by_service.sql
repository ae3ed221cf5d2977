-- unknown_tls_by_service: per service (event_source) and ISO week, the share of calls CloudTrail recorded without TLS
-- details. Those calls are unknown, never "fine": a service with a high share hides its clients' TLS versions.
CREATE OR REPLACE VIEW unknown_tls_by_service AS
SELECT
  event_source,
  week_start,
  count(DISTINCT event_id) AS calls,
  count(DISTINCT CASE WHEN tls_class = 'unknown' THEN event_id END) AS unknown_calls,
  CAST(count(DISTINCT CASE WHEN tls_class = 'unknown' THEN event_id END) AS double) / count(DISTINCT event_id) AS unknown_share
FROM tls_calls
GROUP BY event_source, week_start
