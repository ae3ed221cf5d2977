using System.Globalization;
using Pipeline.Athena.Client;

namespace Pipeline.Athena;

/// <summary>The answer of one query: typed rows by column position, and what running it took.</summary>
public sealed record QueryAnswer(IReadOnlyList<ResultColumn> Columns, List<object?[]> Rows, QueryExecution Execution);

/// <summary>
/// Runs queries to the end on Athena: start, poll until done (the wait grows from <see cref="AthenaOptions.FirstPoll"/>
/// to <see cref="AthenaOptions.MaxPoll"/>), then read every page of results, parsed by column type. Progress names
/// each query's state changes and, at the end, the data scanned and its estimated cost. Cancelling stops the query
/// on Athena too, so it stops scanning (and billing).
/// </summary>
public sealed class AthenaQueries(AthenaClient client, AthenaOptions options, TimeProvider time, Action<string>? progress = null)
{
    /// <summary>Athena bills at least 10 MB a query, rounded up to the megabyte.</summary>
    private const long MinimumBilledBytes = 10L * 1024 * 1024;

    private long _scanned;
    private decimal _cost;

    /// <summary>Bytes scanned by every query run so far.</summary>
    public long ScannedBytes => Interlocked.Read(ref _scanned);

    /// <summary>The estimated cost of every query run so far.</summary>
    public decimal CostUsd => _cost;

    /// <summary>Athena's price for one query's scan, as billed: rounded up to the MB, 10 MB at least, per TB (2^40 bytes).</summary>
    public static decimal Cost(long scannedBytes, decimal usdPerTerabyte)
    {
        var billed = Math.Max(MinimumBilledBytes, (scannedBytes + 1048575) / 1048576 * 1048576);
        return billed / (decimal)(1L << 40) * usdPerTerabyte;
    }

    /// <summary>Runs <paramref name="sql"/> and reads its result rows (none for DDL).</summary>
    public async Task<QueryAnswer> RunAsync(string name, string sql, CancellationToken ct, bool readRows = true)
    {
        var request = new QueryRequest(sql, options.Database, options.Workgroup, options.OutputLocation);
        var started = time.GetTimestamp();
        var id = await client.StartQueryExecutionAsync(request, Guid.NewGuid().ToString("N"), ct).ConfigureAwait(false);
        var execution = await WaitAsync(name, id, ct).ConfigureAwait(false);
        var cost = Cost(execution.DataScannedBytes, options.UsdPerTerabyte);
        Interlocked.Add(ref _scanned, execution.DataScannedBytes);
        _cost += cost;
        if (execution.State != "SUCCEEDED")
        {
            throw new AthenaQueryException(name, id, execution.State, execution.Reason is null ? execution.ErrorType : $"{execution.Reason}{(execution.ErrorType is null ? "" : $" (error {execution.ErrorType})")}");
        }

        progress?.Invoke(string.Create(CultureInfo.InvariantCulture,
            $"{name}: SUCCEEDED in {time.GetElapsedTime(started).TotalSeconds:N1} s, {execution.DataScannedBytes / 1048576.0:N1} MiB scanned, about USD {cost:0.0000} (query {id})"));
        if (!readRows)
        {
            return new QueryAnswer([], [], execution);
        }

        var (columns, rows) = await ReadAsync(id, ct).ConfigureAwait(false);
        return new QueryAnswer(columns, rows, execution);
    }

    private async Task<QueryExecution> WaitAsync(string name, string id, CancellationToken ct)
    {
        var wait = options.FirstPoll;
        string? lastState = null;
        try
        {
            while (true)
            {
                var execution = await client.GetQueryExecutionAsync(id, ct).ConfigureAwait(false);
                if (execution.State != lastState && !execution.IsDone)
                {
                    progress?.Invoke($"{name}: {execution.State} (query {id})");
                }

                lastState = execution.State;
                if (execution.IsDone)
                {
                    return execution;
                }

                await Task.Delay(wait, time, ct).ConfigureAwait(false);
                wait = TimeSpan.FromTicks(Math.Min(options.MaxPoll.Ticks, wait.Ticks * 2));
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Given up: the query would otherwise run (and bill) to its end.
            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try
            {
                await client.StopQueryExecutionAsync(id, stop.Token).ConfigureAwait(false);
                progress?.Invoke($"{name}: cancelled; asked Athena to stop query {id}");
            }
            catch (Exception e) when (e is AthenaException or OperationCanceledException)
            {
                progress?.Invoke($"{name}: cancelled, but query {id} could not be stopped ({e.Message}); stop it in the Athena console");
            }

            throw;
        }
    }

    private async Task<(IReadOnlyList<ResultColumn> Columns, List<object?[]> Rows)> ReadAsync(string id, CancellationToken ct)
    {
        IReadOnlyList<ResultColumn> columns = [];
        var rows = new List<object?[]>();
        string? token = null;
        var first = true;
        do
        {
            var page = await client.GetQueryResultsAsync(id, token, options.PageSize, ct).ConfigureAwait(false);
            if (first)
            {
                columns = page.Columns;
            }

            foreach (var row in page.Rows)
            {
                // The first row of a SELECT's first page is its column names.
                if (first && IsHeader(columns, row))
                {
                    first = false;
                    continue;
                }

                first = false;
                rows.Add(AthenaValues.Parse(columns, row));
            }

            first = false;
            token = page.NextToken;
        }
        while (token is not null);

        return (columns, rows);
    }

    private static bool IsHeader(IReadOnlyList<ResultColumn> columns, string?[] row) =>
        row.Length == columns.Count && columns.Select((c, i) => string.Equals(c.Name, row[i], StringComparison.Ordinal)).All(x => x);
}
