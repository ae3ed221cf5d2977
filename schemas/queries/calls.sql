-- One row per delivered record of tls_events with the report's workload key and TLS class: the definition the report
-- (events.sql) and the views (schemas/athena/views/, the tls_calls view) share, so an analyst's query counts clients
-- exactly as the tickets do.
-- ${tls_class}: 'legacy', 'current', 'unrecognised' or 'unknown' for t.tls_version, generated from the one list of
-- spellings the lake writer and the renderers use (Pipeline.Schema.TlsVersions); the raw value stays in the lake.
--
-- The client is the workload, not the session: `principal` is the role (session issuer) for assumed roles, so one
-- batch role on 40 instances is one client with 40 sessions (`session` holds the session name); without a session
-- issuer in the record, the role comes from the assumed-role ARN. Identity Center
-- (AWSReservedSSO_*) roles stay per user: each person is a client of their own. Otherwise it is the IAM user, root,
-- federated user or service, then the access key. `caller_kind` keeps apart calls made with console session
-- credentials ('console') and calls without an identity ('anonymous', e.g. public S3 objects: AWS cannot notify
-- anyone about these) from the rest ('sdk').
-- principal, user_agent, source and session are cut at 1,024 characters (the report shows 400; the lake keeps up to 8 KiB).
SELECT
  t.event_id,
  t.event_time,
  t.event_date,
  t.account_id,
  t.tls_version,
  t.cipher_suite,
  t.client_host,
  t.event_source,
  t.event_name,
  t.region,
  t.principal_type,
  t.caller_account_id,
  substr(t.user_agent, 1, 1024) AS user_agent,
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
