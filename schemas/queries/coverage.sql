-- What the lake received per account (recipientAccountId) and day: the evidence the report needs before it calls a
-- client resolved. A day without records for an account is a gap (a trail that stopped delivering, a backfill not
-- yet run, the current day); a week is covered for an account only when each of its seven days has records.
-- Reads the partition columns only.
SELECT
  account_id,
  CAST(event_date AS VARCHAR) AS event_date,
  count(*) AS records
FROM tls_events
WHERE event_date BETWEEN '${from_date}' AND '${to_date}'
GROUP BY account_id, event_date
ORDER BY account_id, event_date
