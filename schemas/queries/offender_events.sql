-- Legacy calls of each client by event name (each event_id once), with the first event ID of each (samples for
-- CloudTrail lookup).
WITH ${events}
SELECT
  week_start,
  owner_account,
  principal,
  user_agent,
  source,
  event_name,
  count(DISTINCT event_id) AS calls,
  min(event_id) AS sample_event_id
FROM events
WHERE tls_version IN ('TLSv1', 'TLSv1.1')
GROUP BY week_start, owner_account, principal, user_agent, source, event_name
ORDER BY week_start, owner_account, principal, user_agent, source, calls DESC, event_name
