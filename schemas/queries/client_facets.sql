-- What each client's legacy calls came with, per owning account and ISO week: its most frequent user agents,
-- sources (VPC endpoint or IP address) and sessions (for assumed roles), five of each, with the number of distinct
-- values. A client is caller kind + workload identity (events.sql): a role on 40 instances is one client whose cards
-- list 40 sessions and their addresses.
-- Each aggregate groups by the values themselves, so a string is held once per distinct combination, never once per call.
-- The counts here count delivered records (a rare CloudTrail redelivery counts twice); they rank the values. The
-- client's call count (offenders.sql) counts each event ID once.
WITH ${events},
legacy AS (
  SELECT *
  FROM events
  WHERE ${legacy_tls}
),
-- One scan: a row per distinct combination of user agent, source and session (few per client), then each facet
-- summed from it.
combos AS (
  SELECT week_start, owner_account, caller_kind, principal, COALESCE(user_agent, '(none)') AS user_agent, source, session, count(*) AS calls
  FROM legacy
  GROUP BY week_start, owner_account, caller_kind, principal, COALESCE(user_agent, '(none)'), source, session
),
facet_values AS (
  SELECT week_start, owner_account, caller_kind, principal, 'user_agent' AS facet, user_agent AS value, sum(calls) AS calls
  FROM combos
  GROUP BY week_start, owner_account, caller_kind, principal, user_agent
  UNION ALL
  SELECT week_start, owner_account, caller_kind, principal, 'source' AS facet, source AS value, sum(calls) AS calls
  FROM combos
  GROUP BY week_start, owner_account, caller_kind, principal, source
  UNION ALL
  SELECT week_start, owner_account, caller_kind, principal, 'session' AS facet, session AS value, sum(calls) AS calls
  FROM combos
  WHERE session IS NOT NULL
  GROUP BY week_start, owner_account, caller_kind, principal, session
),
ranked AS (
  SELECT
    *,
    row_number() OVER (PARTITION BY week_start, owner_account, caller_kind, principal, facet ORDER BY calls DESC, value) AS rank,
    count(*) OVER (PARTITION BY week_start, owner_account, caller_kind, principal, facet) AS distinct_values
  FROM facet_values
)
SELECT week_start, owner_account, caller_kind, principal, facet, value, CAST(calls AS BIGINT) AS calls, CAST(distinct_values AS BIGINT) AS distinct_values
FROM ranked
WHERE rank <= 5
ORDER BY week_start, owner_account, caller_kind, principal, facet, rank
