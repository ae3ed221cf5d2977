using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using DuckDB.NET.Data;

namespace Pipeline.Tests.Support;

/// <summary>
/// A STAND-IN FOR ATHENA, not Athena: an HTTP endpoint on 127.0.0.1 that speaks Athena's JSON 1.1 protocol
/// (StartQueryExecution, GetQueryExecution, GetQueryResults paged, StopQueryExecution) and runs each query's SQL on
/// embedded DuckDB over a local lake folder. Athena's functions the report uses and DuckDB lacks are defined as DuckDB
/// macros of the same meaning (xxhash64 and to_utf8 feed a hash; json_format renders JSON). DDL the catalog would
/// keep (CREATE DATABASE, CREATE EXTERNAL TABLE, ALTER TABLE) is recorded and answered as Athena does; views are
/// created on DuckDB, so their text must run there. Queries pass through QUEUED and RUNNING as on Athena; tests can
/// hold a query running, fail the next query, or throttle the next requests.
/// </summary>
public sealed class AthenaStandIn : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly DuckDBConnection _duck;
    private readonly string _lake;
    private readonly ConcurrentDictionary<string, Query> _queries = new();
    private readonly ConcurrentDictionary<string, string> _tokens = new();
    private readonly Lock _sql = new();
    private readonly Task _serving;
    private int _throttle;
    private int _serverErrors;
    private string? _failNext;
    private bool _viewMade;

    public AthenaStandIn(string lake, string region = "us-east-1")
    {
        _lake = lake;
        Region = region;
        _duck = new DuckDBConnection("DataSource=:memory:");
        _duck.Open();
        Execute("SET TimeZone = 'UTC'");
        Execute("CREATE MACRO to_utf8(s) AS s");
        Execute("CREATE MACRO xxhash64(b) AS hash(b)");
        Execute("CREATE MACRO json_format(j) AS CAST(j AS VARCHAR)");
        var port = Loopback.FreePort();
        Endpoint = new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/");
        _listener.Prefixes.Add(Endpoint.ToString());
        _listener.Start();
        _serving = Task.Run(ServeAsync);
    }

    public Uri Endpoint { get; }

    public string Region { get; }

    /// <summary>Every request, in order: its X-Amz-Target operation and JSON body.</summary>
    public ConcurrentQueue<(string Operation, string Body)> Requests { get; } = new();

    /// <summary>DDL statements the catalog would keep, in order (CREATE DATABASE, CREATE EXTERNAL TABLE, ALTER TABLE, views).</summary>
    public ConcurrentQueue<string> Ddl { get; } = new();

    /// <summary>SELECT queries run, in order.</summary>
    public ConcurrentQueue<string> Selects { get; } = new();

    /// <summary>While set, queries stay RUNNING (until stopped or released).</summary>
    public TaskCompletionSource? Hold { get; set; }

    /// <summary>Answers the next <paramref name="requests"/> requests with TooManyRequestsException.</summary>
    public void Throttle(int requests) => Interlocked.Exchange(ref _throttle, requests);

    /// <summary>Answers the next <paramref name="requests"/> requests with HTTP 500 InternalServerException.</summary>
    public void FailServer(int requests) => Interlocked.Exchange(ref _serverErrors, requests);

    /// <summary>The next query started fails with this reason.</summary>
    public void FailNextQuery(string reason) => _failNext = reason;

    public int Count(string operation) => Requests.Count(r => r.Operation == operation);

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        try
        {
            _serving.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
        }

        _duck.Dispose();
    }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            if (await Loopback.NextAsync(_listener) is not { } context)
            {
                return;
            }

            _ = Task.Run(() => Answer(context));
        }
    }

    private void Answer(HttpListenerContext context)
    {
        string body;
        using (var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8))
        {
            body = reader.ReadToEnd();
        }

        var target = context.Request.Headers["X-Amz-Target"] ?? "";
        var operation = target.StartsWith("AmazonAthena.", StringComparison.Ordinal) ? target["AmazonAthena.".Length..] : target;
        Requests.Enqueue((operation, body));
        int status;
        string answer;
        var authorization = context.Request.Headers["Authorization"] ?? "";
        if (!authorization.StartsWith("AWS4-HMAC-SHA256 Credential=", StringComparison.Ordinal) || !authorization.Contains($"/{Region}/athena/aws4_request", StringComparison.Ordinal))
        {
            (status, answer) = (403, Error("UnrecognizedClientException", "the request is not signed with SigV4 for athena in " + Region));
        }
        else if (Interlocked.Decrement(ref _throttle) >= 0)
        {
            (status, answer) = (400, Error("TooManyRequestsException", "Rate exceeded"));
        }
        else if (Interlocked.Decrement(ref _serverErrors) >= 0)
        {
            (status, answer) = (500, Error("InternalServerException", "stand-in: an internal error"));
        }
        else
        {
            try
            {
                using var doc = JsonDocument.Parse(body);
                (status, answer) = operation switch
                {
                    "StartQueryExecution" => Start(doc.RootElement),
                    "GetQueryExecution" => Get(doc.RootElement),
                    "GetQueryResults" => Results(doc.RootElement),
                    "StopQueryExecution" => Stop(doc.RootElement),
                    _ => (400, Error("UnknownOperationException", "unknown operation " + target)),
                };
            }
            catch (JsonException e)
            {
                (status, answer) = (400, Error("SerializationException", e.Message));
            }
        }

        var bytes = Encoding.UTF8.GetBytes(answer);
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/x-amz-json-1.1";
        context.Response.Headers["x-amzn-RequestId"] = Guid.NewGuid().ToString();
        context.Response.ContentLength64 = bytes.Length;
        context.Response.OutputStream.Write(bytes);
        context.Response.Close();
    }

    private (int, string) Start(JsonElement request)
    {
        var sql = request.GetProperty("QueryString").GetString()!;
        var token = request.TryGetProperty("ClientRequestToken", out var t) ? t.GetString() : null;
        if (token is not null && _tokens.TryGetValue(token, out var existing))
        {
            return (200, JsonSerializer.Serialize(new { QueryExecutionId = existing }));
        }

        var id = Guid.NewGuid().ToString();
        if (token is not null)
        {
            _tokens[token] = id;
        }

        var query = new Query(id, sql);
        _queries[id] = query;
        var fail = Interlocked.Exchange(ref _failNext, null);
        _ = Task.Run(async () =>
        {
            await Task.Delay(50);
            query.State = "RUNNING";
            if (Hold is { } hold)
            {
                await Task.WhenAny(hold.Task, query.Stopped.Task);
            }

            if (query.State == "CANCELLED")
            {
                return;
            }

            if (fail is not null)
            {
                query.Fail(fail);
                return;
            }

            Run(query);
        });
        return (200, JsonSerializer.Serialize(new { QueryExecutionId = id }));
    }

    private void Run(Query query)
    {
        var sql = query.Sql.TrimStart();
        var first = FirstWord(sql);
        try
        {
            if (first is "SELECT" or "WITH")
            {
                Selects.Enqueue(query.Sql);
                lock (_sql)
                {
                    EnsureTable();
                    // DuckDB.NET names a JSON column VARCHAR; DESCRIBE gives the SQL type (JSON) Athena would report.
                    var types = new List<string>();
                    using (var describe = _duck.CreateCommand())
                    {
                        describe.CommandText = "DESCRIBE " + query.Sql;
                        using var d = describe.ExecuteReader();
                        while (d.Read())
                        {
                            types.Add(d.GetString(1));
                        }
                    }

                    using var cmd = _duck.CreateCommand();
                    cmd.CommandText = query.Sql;
                    using var reader = cmd.ExecuteReader();
                    var columns = Enumerable.Range(0, reader.FieldCount).Select(i => (reader.GetName(i), AthenaType(types[i]))).ToList();
                    var rows = new List<string?[]>();
                    while (reader.Read())
                    {
                        rows.Add(Enumerable.Range(0, reader.FieldCount).Select(i => reader.IsDBNull(i) ? null : Text(reader.GetValue(i), columns[i].Item2)).ToArray());
                    }

                    query.Succeed(columns, rows, ScannedBytes());
                }
            }
            else if (sql.StartsWith("CREATE OR REPLACE VIEW", StringComparison.OrdinalIgnoreCase))
            {
                Ddl.Enqueue(query.Sql);
                lock (_sql)
                {
                    EnsureTable();
                    Execute(query.Sql);
                }

                query.Succeed([], [], 0);
            }
            else if (first is "CREATE" or "ALTER" or "DROP")
            {
                Ddl.Enqueue(query.Sql);
                query.Succeed([], [], 0);
            }
            else
            {
                query.Fail($"stand-in: cannot run '{first}'");
            }
        }
        catch (DuckDBException e)
        {
            query.Fail(e.Message.Split('\n')[0]);
        }
    }

    private (int, string) Get(JsonElement request)
    {
        if (!_queries.TryGetValue(request.GetProperty("QueryExecutionId").GetString()!, out var q))
        {
            return (400, Error("InvalidRequestException", "QueryExecution not found"));
        }

        var status = new Dictionary<string, object?> { ["State"] = q.State };
        if (q.Reason is not null)
        {
            status["StateChangeReason"] = q.Reason;
            status["AthenaError"] = new { ErrorCategory = 2, ErrorType = 1100, Retryable = false, ErrorMessage = q.Reason };
        }

        return (200, JsonSerializer.Serialize(new
        {
            QueryExecution = new
            {
                QueryExecutionId = q.Id,
                Query = q.Sql,
                Status = status,
                Statistics = new { DataScannedInBytes = q.Scanned, EngineExecutionTimeInMillis = 12 },
            },
        }));
    }

    private (int, string) Results(JsonElement request)
    {
        if (!_queries.TryGetValue(request.GetProperty("QueryExecutionId").GetString()!, out var q))
        {
            return (400, Error("InvalidRequestException", "QueryExecution not found"));
        }

        if (q.State != "SUCCEEDED")
        {
            return (400, Error("InvalidRequestException", $"Query has not yet finished. Current state: {q.State}"));
        }

        var max = request.TryGetProperty("MaxResults", out var m) ? m.GetInt32() : 1000;
        if (max is < 1 or > 1000)
        {
            return (400, Error("InvalidRequestException", "MaxResults must be 1..1000"));
        }

        var offset = request.TryGetProperty("NextToken", out var nt) ? int.Parse(nt.GetString()!, CultureInfo.InvariantCulture) : 0;

        // As Athena: the first page of a SELECT starts with the column names as a row, and counts it in MaxResults.
        var all = q.Columns.Count == 0 ? q.Rows : [q.Columns.Select(c => (string?)c.Name).ToArray(), .. q.Rows];
        var page = all.Skip(offset).Take(max).ToList();
        var next = offset + page.Count < all.Count ? (offset + page.Count).ToString(CultureInfo.InvariantCulture) : null;
        var answer = new Dictionary<string, object?>
        {
            ["ResultSet"] = new
            {
                Rows = page.Select(r => new { Data = r.Select(v => v is null ? (object)new { } : new { VarCharValue = v }).ToArray() }).ToArray(),
                ResultSetMetadata = new { ColumnInfo = q.Columns.Select(c => new { CatalogName = "hive", Name = c.Name, Label = c.Name, Type = c.Type, Nullable = "UNKNOWN" }).ToArray() },
            },
        };
        if (next is not null)
        {
            answer["NextToken"] = next;
        }

        return (200, JsonSerializer.Serialize(answer));
    }

    private (int, string) Stop(JsonElement request)
    {
        if (_queries.TryGetValue(request.GetProperty("QueryExecutionId").GetString()!, out var q) && q.State is "QUEUED" or "RUNNING")
        {
            q.State = "CANCELLED";
            q.Reason = "Query cancelled by user";
            q.Stopped.TrySetResult();
        }

        return (200, "{}");
    }

    private void EnsureTable()
    {
        // No table before the lake has files (Athena would read an empty one; the report never asks then).
        if (_viewMade || !Directory.Exists(Path.Combine(_lake, "tls_events")) || !Directory.EnumerateFiles(Path.Combine(_lake, "tls_events"), "*.parquet", SearchOption.AllDirectories).Any())
        {
            return;
        }

        var glob = Path.Combine(Path.GetFullPath(_lake), "tls_events", "*", "*", "*.parquet").Replace("'", "''", StringComparison.Ordinal);
        Execute($"CREATE OR REPLACE VIEW tls_events AS SELECT * FROM read_parquet('{glob}', hive_partitioning = true, hive_types_autocast = false, union_by_name = true)");
        _viewMade = true;
    }

    private long ScannedBytes()
    {
        var table = Path.Combine(_lake, "tls_events");
        return Directory.Exists(table) ? Directory.EnumerateFiles(table, "*.parquet", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length) : 0;
    }

    private void Execute(string sql)
    {
        using var cmd = _duck.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    private static string FirstWord(string sql)
    {
        // Skip leading line comments.
        var text = string.Join('\n', sql.Split('\n').SkipWhile(l => l.TrimStart().StartsWith("--", StringComparison.Ordinal) || l.Trim().Length == 0)).TrimStart();
        var end = text.IndexOfAny([' ', '\n', '\t', '(']);
        return (end < 0 ? text : text[..end]).ToUpperInvariant();
    }

    /// <summary>The Athena type name of a DuckDB column type.</summary>
    private static string AthenaType(string duck) => duck.ToUpperInvariant() switch
    {
        "VARCHAR" => "varchar",
        "BIGINT" or "HUGEINT" or "UBIGINT" => "bigint",
        "INTEGER" or "SMALLINT" or "TINYINT" => "integer",
        "DOUBLE" or "FLOAT" => "double",
        "BOOLEAN" => "boolean",
        "DATE" => "date",
        "TIMESTAMP" or "TIMESTAMP WITH TIME ZONE" or "TIMESTAMP_MS" or "TIMESTAMP_NS" or "TIMESTAMP_S" => "timestamp",
        "JSON" => "json",
        var t when t.EndsWith("[]", StringComparison.Ordinal) => "array",
        var t => t.ToLowerInvariant(),
    };

    /// <summary>A value as Athena writes it in results.</summary>
    private static string Text(object value, string type) => value switch
    {
        string s => s,
        DateOnly d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        DateTime dt when type == "date" => dt.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        DateTime dt => DateTime.SpecifyKind(dt, DateTimeKind.Utc).ToString("yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture),
        DateTimeOffset dto => dto.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture),
        bool b => b ? "true" : "false",
        System.Collections.IEnumerable list => "[" + string.Join(", ", list.Cast<object?>().Select(v => v?.ToString() ?? "null")) + "]",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString()!,
    };

    private static string Error(string type, string message) => JsonSerializer.Serialize(new Dictionary<string, string> { ["__type"] = type, ["Message"] = message });

    private sealed class Query(string id, string sql)
    {
        public string Id { get; } = id;

        public string Sql { get; } = sql;

        public volatile string State = "QUEUED";

        public string? Reason { get; set; }

        public long Scanned { get; private set; }

        public List<(string Name, string Type)> Columns { get; private set; } = [];

        public List<string?[]> Rows { get; private set; } = [];

        public TaskCompletionSource Stopped { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Succeed(List<(string, string)> columns, List<string?[]> rows, long scanned)
        {
            (Columns, Rows, Scanned) = (columns, rows, scanned);
            State = "SUCCEEDED";
        }

        public void Fail(string reason)
        {
            Reason = reason;
            State = "FAILED";
        }
    }
}
