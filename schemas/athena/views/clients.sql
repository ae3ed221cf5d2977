-- clients: per account reached, ISO week and client (the report's workload key: caller_kind + principal, see
-- tls_calls), its calls, legacy calls and when they were made, the distinct sources and sessions, and one of its
-- legacy user agents (the report lists the top five). A client without legacy calls has legacy_calls = 0.
CREATE OR REPLACE VIEW clients AS
SELECT
  account_id,
  week_start,
  caller_kind,
  principal,
  min(caller_account_id) AS caller_account_id,
  count(DISTINCT event_id) AS calls,
  count(DISTINCT CASE WHEN tls_class = 'legacy' THEN event_id END) AS legacy_calls,
  min(CASE WHEN tls_class = 'legacy' THEN event_time END) AS first_legacy_call,
  max(CASE WHEN tls_class = 'legacy' THEN event_time END) AS last_legacy_call,
  max(CASE WHEN tls_class = 'legacy' THEN user_agent END) AS a_legacy_user_agent,
  count(DISTINCT source) AS sources,
  count(DISTINCT session) AS sessions
FROM tls_calls
GROUP BY account_id, week_start, caller_kind, principal
