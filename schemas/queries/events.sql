-- The calls of a window, one row per delivered record, each attributed to the account that owns the client.
-- CloudTrail sometimes delivers a record twice: the queries count DISTINCT event_id (duplicates are the same
-- record, so they fall in the same group), so each event counts once.
-- Used as a CTE by the other queries (`pipeline report --print-sql` prints them composed).
-- ${from_date}, ${to_date}: the window as 'YYYY-MM-DD' (prunes event_date partitions).
-- ${owner_accounts}: the owners file's accounts as a VALUES list; with the lake's accounts they are the organization.
-- ${tls_class}: 'legacy', 'current', 'unrecognised' or 'unknown' for t.tls_version, generated from the one list of
-- spellings the lake writer and the renderers use (Pipeline.Schema.TlsVersions); the raw value stays in the lake.
-- Ownership is an IN (subquery), not a LEFT JOIN: DuckDB built the join's hash table from the window's rows rather
-- than from the few accounts (10M calls ran it out of memory before any aggregate); IN always builds from the list.
--
-- The client is the workload, not the session: `principal` is the role (session issuer) for assumed roles, so one
-- batch role on 40 instances is one client with 40 sessions (`session` holds the session name); without a session
-- issuer in the record, the role comes from the assumed-role ARN. Identity Center
-- (AWSReservedSSO_*) roles stay per user: each person is a client of their own. Otherwise it is the IAM user, root,
-- federated user or service, then the access key. `caller_kind` keeps apart calls made with console session
-- credentials ('console') and calls without an identity ('anonymous', e.g. public S3 objects: AWS cannot notify
-- anyone about these) from the rest ('sdk').
-- principal, user_agent, source and session are cut at 1,024 characters (the report shows 400; the lake keeps up to 8 KiB).
org_accounts AS (
  SELECT DISTINCT account_id AS id FROM tls_events WHERE event_date BETWEEN '${from_date}' AND '${to_date}'
  UNION
  SELECT id FROM (VALUES ${owner_accounts}) AS owners (id)
),
events AS (
  SELECT
    t.event_id,
    t.event_time,
    t.account_id,
    t.tls_version,
    t.cipher_suite,
    t.client_host,
    t.event_source,
    t.event_name,
    t.region,
    t.principal_type,
    substr(t.user_agent, 1, 1024) AS user_agent,
    CASE WHEN t.caller_account_id IN (SELECT id FROM org_accounts) THEN t.caller_account_id ELSE t.account_id END AS owner_account,
    CAST(date_trunc('week', CAST(t.event_date AS date)) AS date) AS week_start,
    CASE
      WHEN t.caller_account_id IN ('ANONYMOUS_PRINCIPAL', 'anonymous')
        OR (t.principal_type IS NULL AND NULLIF(t.principal_arn, '') IS NULL AND NULLIF(t.access_key_id, '') IS NULL) THEN 'anonymous'
      WHEN t.console_session = 'true' THEN 'console'
      ELSE 'sdk'
    END AS caller_kind,
    -- Cheap tests first and no LIKE: this runs for every row of the window, once per scan.
    substr(CASE
      WHEN t.principal_type = 'AssumedRole' THEN CASE
        WHEN NULLIF(t.session_issuer_arn, '') IS NOT NULL AND strpos(t.session_issuer_arn, ':role/aws-reserved/sso.amazonaws.com/') = 0 THEN t.session_issuer_arn
        -- No session issuer in the record: the role from the assumed-role ARN itself (its path is not in it).
        WHEN strpos(t.principal_arn, ':sts::') > 0 AND strpos(t.principal_arn, ':assumed-role/') > 0
          AND strpos(t.principal_arn, ':assumed-role/AWSReservedSSO_') = 0 THEN
          replace(substr(t.principal_arn, 1, strpos(t.principal_arn, ':assumed-role/') - 1), ':sts::', ':iam::') || ':role/' || split_part(t.principal_arn, '/', 2)
        ELSE COALESCE(NULLIF(t.principal_arn, ''), NULLIF(t.access_key_id, ''), '(no principal)')
      END
      WHEN NULLIF(t.principal_arn, '') IS NOT NULL THEN t.principal_arn
      WHEN t.principal_type = 'AWSService' THEN 'AWSService ' || COALESCE(NULLIF(t.source_ip, ''), '(unknown service)')
      WHEN NULLIF(t.access_key_id, '') IS NOT NULL THEN t.access_key_id
      WHEN t.principal_type IS NULL OR t.caller_account_id IN ('ANONYMOUS_PRINCIPAL', 'anonymous') THEN '(anonymous)'
      ELSE '(no principal)'
    END, 1, 1024) AS principal,
    CASE WHEN t.principal_type = 'AssumedRole' THEN substr(NULLIF(split_part(t.principal_arn, '/', 3), ''), 1, 1024) END AS session,
    substr(COALESCE(NULLIF(t.vpc_endpoint_id, ''), NULLIF(t.source_ip, ''), '(no source)'), 1, 1024) AS source,
    ${tls_class} AS tls_class
  FROM tls_events t
  WHERE t.event_date BETWEEN '${from_date}' AND '${to_date}'
)
