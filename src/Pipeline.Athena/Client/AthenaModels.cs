namespace Pipeline.Athena.Client;

/// <summary>What to run: the SQL, and where (database, catalog, workgroup, result location).</summary>
/// <param name="Sql">The query text.</param>
/// <param name="Database">The database unqualified table names resolve in.</param>
/// <param name="Workgroup">The workgroup (its settings, limits and result location apply).</param>
/// <param name="OutputLocation">s3:// folder for the results, or null for the workgroup's.</param>
/// <param name="Catalog">The data catalog.</param>
public sealed record QueryRequest(string Sql, string? Database, string Workgroup, string? OutputLocation, string Catalog = "AwsDataCatalog");

/// <summary>A query's state and figures (<c>GetQueryExecution</c>).</summary>
/// <param name="Id">The query execution ID.</param>
/// <param name="State">QUEUED, RUNNING, SUCCEEDED, FAILED or CANCELLED.</param>
/// <param name="Reason">Athena's state change reason (why it failed or was cancelled), if any.</param>
/// <param name="ErrorType">Athena's error category and type, e.g. <c>USER/1100</c>, if any.</param>
/// <param name="DataScannedBytes">Bytes scanned so far (what the query is billed on).</param>
/// <param name="EngineMillis">Engine execution time so far.</param>
public sealed record QueryExecution(string Id, string State, string? Reason, string? ErrorType, long DataScannedBytes, long EngineMillis)
{
    public bool IsDone => State is "SUCCEEDED" or "FAILED" or "CANCELLED";
}

/// <summary>A result column: its name and Athena type (<c>varchar</c>, <c>bigint</c>, <c>date</c>, <c>timestamp</c>, <c>json</c>, …).</summary>
public sealed record ResultColumn(string Name, string Type);

/// <summary>One page of <c>GetQueryResults</c>: the columns, the rows as text (null for SQL NULL) and the next page's token.</summary>
public sealed record ResultPage(IReadOnlyList<ResultColumn> Columns, List<string?[]> Rows, string? NextToken);
