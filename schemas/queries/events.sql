-- The calls of a window, one row per delivered record, each attributed to the account that owns the client.
-- CloudTrail sometimes delivers a record twice: the queries count DISTINCT event_id (duplicates are the same
-- record, so they fall in the same group), so each event counts once.
-- Used as a CTE by the other queries (`pipeline report --print-sql` prints them composed).
-- ${from_date}, ${to_date}: the window as 'YYYY-MM-DD' (prunes event_date partitions).
-- ${list_type}: the type list columns are returned as: JSON on Athena (its text form of an array, `[a, b]`, cannot
-- be split back when a value holds ", "), the engine's own list on DuckDB.
-- ${owner_accounts}: the owners file's accounts as a VALUES list; with the lake's accounts they are the organization.
-- Ownership is an IN (subquery), not a LEFT JOIN: DuckDB built the join's hash table from the window's rows rather
-- than from the few accounts (10M calls ran it out of memory before any aggregate); IN always builds from the list.
--
-- The calls themselves, with the client (caller kind + workload identity) and TLS class: calls.sql.
org_accounts AS (
  SELECT DISTINCT account_id AS id FROM tls_events WHERE event_date BETWEEN '${from_date}' AND '${to_date}'
  UNION
  SELECT id FROM (VALUES ${owner_accounts}) AS owners (id)
),
events AS (
  SELECT
    c.*,
    CASE WHEN c.caller_account_id IN (SELECT id FROM org_accounts) THEN c.caller_account_id ELSE c.account_id END AS owner_account
  FROM (
${calls}
  ) c
  WHERE c.event_date BETWEEN '${from_date}' AND '${to_date}'
)
