-- Athena table over the tls_events lake. Replace ${LOCATION} (e.g. s3://my-bucket/pipeline) and ${ACCOUNT_IDS}
-- (comma-separated 12-digit IDs of the organization's accounts); `pipeline schema athena` does both.
-- Partition projection: no MSCK REPAIR / crawler needed, and event_date ranges prune to the days asked for.
-- account_id is an enum projection, not an injected one: injected projection needs every query to name its accounts
-- with equality conditions, which the report's (SELECT DISTINCT account_id …) cannot. Athena reads no account outside
-- the list, so the list is refreshed as accounts join: `pipeline schema athena --apply --accounts-from-lake s3://…`
-- (the chart's report CronJob runs it before each report).
CREATE EXTERNAL TABLE IF NOT EXISTS tls_events (
  event_time timestamp,
  event_id string,
  region string,
  event_source string,
  event_name string,
  tls_version string,
  cipher_suite string,
  client_host string,
  user_agent string,
  source_ip string,
  principal_type string,
  principal_arn string,
  caller_account_id string,
  access_key_id string,
  vpc_endpoint_id string,
  error_code string,
  session_issuer_arn string,
  event_type string,
  event_category string,
  console_session string
)
PARTITIONED BY (event_date string, account_id string)
STORED AS PARQUET
LOCATION '${LOCATION}/tls_events/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.event_date.type' = 'date',
  'projection.event_date.format' = 'yyyy-MM-dd',
  'projection.event_date.range' = '2021-01-01,NOW',
  'projection.event_date.interval' = '1',
  'projection.event_date.interval.unit' = 'DAYS',
  'projection.account_id.type' = 'enum',
  'projection.account_id.values' = '${ACCOUNT_IDS}',
  'storage.location.template' = '${LOCATION}/tls_events/event_date=${event_date}/account_id=${account_id}/'
);
