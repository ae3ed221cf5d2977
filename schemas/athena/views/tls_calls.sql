-- tls_calls: one row per delivered record of tls_events with the report's workload key (caller_kind, principal),
-- session, source and TLS class (legacy, current, unknown, unrecognised): schemas/queries/calls.sql, so a query here
-- counts clients exactly as the tickets do. account_id is the account the call reached (recipientAccountId);
-- caller_account_id the caller's. Filter on event_date ('YYYY-MM-DD') to read only those days' partitions.
-- CloudTrail sometimes delivers a record twice: count DISTINCT event_id.
CREATE OR REPLACE VIEW tls_calls AS
${calls}
