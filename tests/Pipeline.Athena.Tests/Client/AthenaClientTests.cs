using System.Text.Json;
using Amazon.Runtime;
using Pipeline.Athena.Client;

namespace Pipeline.Athena.Tests.Client;

/// <summary>The client and the query runner against <see cref="AthenaStandIn"/>, a stand-in for Athena (DuckDB behind Athena's protocol).</summary>
public sealed class AthenaClientTests : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly AthenaStandIn _athena;
    private readonly AthenaClient _client;

    public AthenaClientTests()
    {
        _athena = new AthenaStandIn(_dir.Path);
        _client = new AthenaClient(
            new AthenaClientOptions { Endpoint = _athena.Endpoint, BaseBackoff = TimeSpan.FromMilliseconds(5), MaxBackoff = TimeSpan.FromMilliseconds(20), MaxAttempts = 4 },
            new BasicAWSCredentials("AKIDEXAMPLE", "secret"));
    }

    public void Dispose()
    {
        _client.Dispose();
        _athena.Dispose();
        _dir.Dispose();
    }

    private AthenaQueries Queries(int pageSize = 1000, List<string>? progress = null) =>
        new(_client, new AthenaOptions { Database = "pipeline", Workgroup = "reports", OutputLocation = "s3://results/athena/", PageSize = pageSize, FirstPoll = TimeSpan.FromMilliseconds(10) },
            TimeProvider.System, progress is null ? null : progress.Add);

    [Fact]
    public async Task RunAsync_ResultsOverManyPages_EveryRowOnceParsedByType()
    {
        const string sql = """
            SELECT i AS n, 'v' || CAST(i AS VARCHAR) AS name, DATE '2026-11-23' + CAST(i % 7 AS INTEGER) AS day,
              TIMESTAMP '2026-11-23 10:00:00.250' AS at, CAST(['a, b', 'c"d'] AS JSON) AS list,
              CASE WHEN i % 2 = 0 THEN NULL ELSE '' END AS maybe
            FROM range(2500) t(i) ORDER BY i
            """;

        var answer = await Queries(pageSize: 1000).RunAsync("many", sql, CancellationToken.None);

        Assert.Equal(2500, answer.Rows.Count);
        Assert.Equal(3, _athena.Count("GetQueryResults")); // 2,501 rows with the header, 1,000 a page
        Assert.Equal(["n", "name", "day", "at", "list", "maybe"], answer.Columns.Select(c => c.Name));
        Assert.Equal(Enumerable.Range(0, 2500).Select(i => (long)i), answer.Rows.Select(r => (long)r[0]!));
        var last = answer.Rows[^1];
        Assert.Equal("v2499", last[1]);
        Assert.Equal(new DateOnly(2026, 11, 23).AddDays(2499 % 7), last[2]);
        Assert.Equal(new DateTime(2026, 11, 23, 10, 0, 0, 250, DateTimeKind.Utc), last[3]);
        Assert.Equal(DateTimeKind.Utc, ((DateTime)last[3]!).Kind);
        Assert.Equal(new List<object?> { "a, b", "c\"d" }, last[4]);
        Assert.Equal("", last[5]);
        Assert.Null(answer.Rows[^2][5]);
    }

    [Fact]
    public async Task StartQueryExecutionAsync_Query_SendsWorkgroupDatabaseOutputLocationAndAToken()
    {
        await Queries().RunAsync("one", "SELECT 1 AS x", CancellationToken.None);

        using var start = JsonDocument.Parse(_athena.Requests.First(r => r.Operation == "StartQueryExecution").Body);
        var root = start.RootElement;
        Assert.Equal("SELECT 1 AS x", root.GetProperty("QueryString").GetString());
        Assert.Equal("reports", root.GetProperty("WorkGroup").GetString());
        Assert.Equal("pipeline", root.GetProperty("QueryExecutionContext").GetProperty("Database").GetString());
        Assert.Equal("s3://results/athena/", root.GetProperty("ResultConfiguration").GetProperty("OutputLocation").GetString());
        Assert.True(root.GetProperty("ClientRequestToken").GetString()!.Length >= 32);
    }

    [Fact]
    public async Task RunAsync_QueryFails_NamesTheStateReasonAndQueryId()
    {
        var e = await Assert.ThrowsAsync<AthenaQueryException>(() => Queries().RunAsync("offenders", "SELECT no_such_column FROM range(1)", CancellationToken.None));

        Assert.Equal("FAILED", e.State);
        Assert.Contains("no_such_column", e.Message, StringComparison.Ordinal);
        Assert.Contains(e.QueryId, e.Message, StringComparison.Ordinal);
        Assert.Contains("offenders", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_Throttled_RetriedWithBackoffAndAnswered()
    {
        _athena.Throttle(3);

        var answer = await Queries().RunAsync("one", "SELECT 42 AS x", CancellationToken.None);

        Assert.Equal(42L, answer.Rows.Single()[0]);
        Assert.Equal(3, _client.Retries);
    }

    [Fact]
    public async Task RunAsync_ServerErrorsPastTheAttempts_FailsWithTheAwsCode()
    {
        _athena.FailServer(100);

        var e = await Assert.ThrowsAsync<AthenaException>(() => Queries().RunAsync("one", "SELECT 1", CancellationToken.None));

        Assert.Equal("InternalServerException", e.ErrorCode);
        Assert.Equal(4, _athena.Count("StartQueryExecution"));
    }

    [Fact]
    public async Task RunAsync_CancelledWhileRunning_StopsTheQueryOnAthena()
    {
        _athena.Hold = new TaskCompletionSource();
        var progress = new List<string>();
        using var cts = new CancellationTokenSource();
        var run = Queries(progress: progress).RunAsync("offenders", "SELECT 1", cts.Token);
        while (!progress.Any(p => p.Contains("RUNNING", StringComparison.Ordinal)))
        {
            await Task.Delay(10);
        }

        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
        using var stop = JsonDocument.Parse(_athena.Requests.Single(r => r.Operation == "StopQueryExecution").Body);
        var id = stop.RootElement.GetProperty("QueryExecutionId").GetString()!;
        Assert.Equal("CANCELLED", (await _client.GetQueryExecutionAsync(id, CancellationToken.None)).State);
        Assert.Contains(progress, p => p.Contains("asked Athena to stop query " + id, StringComparison.Ordinal));
    }

    [Fact]
    public async Task RunAsync_Succeeded_ProgressNamesStatesScanAndCost()
    {
        var progress = new List<string>();

        await Queries(progress: progress).RunAsync("coverage", "SELECT 1", CancellationToken.None);

        Assert.Contains(progress, p => p.StartsWith("coverage: QUEUED", StringComparison.Ordinal) || p.StartsWith("coverage: RUNNING", StringComparison.Ordinal));
        Assert.Contains(progress, p => p.StartsWith("coverage: SUCCEEDED in ", StringComparison.Ordinal) && p.Contains("MiB scanned, about USD 0.0000", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Requests_Unsigned_AreRefusedByTheStandIn()
    {
        // The stand-in checks what Athena checks first: a SigV4 signature for the athena service in its region.
        using var client = new AthenaClient(new AthenaClientOptions { Endpoint = _athena.Endpoint, Region = "eu-west-1", MaxAttempts = 1 }, new BasicAWSCredentials("AKIDEXAMPLE", "secret"));

        var e = await Assert.ThrowsAsync<AthenaException>(() => client.StartQueryExecutionAsync(new QueryRequest("SELECT 1", null, "primary", null), Guid.NewGuid().ToString("N"), CancellationToken.None));

        Assert.Equal("UnrecognizedClientException", e.ErrorCode);
    }
}
