using System.Globalization;
using Pipeline.Ingest;

namespace Pipeline.Cli.Console;

/// <summary>
/// Progress of an ingest on stderr: a live bar rewritten in place on a terminal, a plain line every
/// ten seconds otherwise (logs, CI).
/// </summary>
internal sealed class ProgressDisplay : IDisposable
{
    private readonly IngestStats _stats;
    private readonly TextWriter _out;
    private readonly TimeProvider _time;
    private readonly bool _interactive;
    private readonly long _started;
    private readonly ITimer _timer;
    private readonly Lock _gate = new();
    private readonly Func<double, string>? _line;
    private bool _done;

    /// <param name="stats">The counters shown.</param>
    /// <param name="output">Where to write (stderr).</param>
    /// <param name="time">Clock of the updates.</param>
    /// <param name="interactive">Rewrite one line in place (terminal) or print lines (logs); default: stderr is a terminal.</param>
    /// <param name="line">A custom line from the elapsed seconds (stream sources, which have no total).</param>
    public ProgressDisplay(IngestStats stats, TextWriter output, TimeProvider time, bool? interactive = null, Func<double, string>? line = null)
    {
        _stats = stats;
        _line = line;
        _out = output;
        _time = time;
        _interactive = interactive ?? !System.Console.IsErrorRedirected;
        _started = time.GetTimestamp();
        var period = _interactive ? TimeSpan.FromMilliseconds(250) : TimeSpan.FromSeconds(10);
        _timer = time.CreateTimer(_ => Tick(), null, period, period);
    }

    private void Tick()
    {
        lock (_gate)
        {
            if (_done)
            {
                return;
            }

            var line = Line();
            if (_interactive)
            {
                _out.Write("\r" + line.PadRight(Math.Min(160, Math.Max(line.Length, 100))));
            }
            else
            {
                _out.WriteLine(line);
            }

            _out.Flush();
        }
    }

    internal string Line()
    {
        var elapsed = _time.GetElapsedTime(_started).TotalSeconds;
        if (_line is not null)
        {
            return _line(elapsed);
        }

        var total = Math.Max(1, _stats.BytesTotal);
        var fraction = Math.Clamp((double)_stats.BytesRead / total, 0, 1);
        var rate = elapsed > 0 ? _stats.BytesRead / elapsed : 0;
        var eta = rate > 0 ? TimeSpan.FromSeconds((_stats.BytesTotal - _stats.BytesRead) / rate) : (TimeSpan?)null;
        const int width = 24;
        var filled = (int)(fraction * width);
        var bar = _interactive ? "[" + new string('#', filled) + new string('.', width - filled) + "] " : string.Empty;
        return string.Create(CultureInfo.InvariantCulture,
            $"{bar}{fraction:P0} {_stats.InputsDone:N0}/{_stats.InputsTotal:N0} files, {Units.Bytes(_stats.BytesRead)}/{Units.Bytes(_stats.BytesTotal)}, {_stats.EventsWritten:N0} events written, {_stats.RejectTotal:N0} rejects, {Units.Bytes((long)rate)}/s, ETA {(eta is { } e ? Units.Duration(e) : "?")}");
    }

    /// <summary>Stops updating and ends the live line.</summary>
    public void Finish()
    {
        lock (_gate)
        {
            if (_done)
            {
                return;
            }

            _done = true;
            _timer.Dispose();
            if (_interactive)
            {
                _out.Write("\r" + new string(' ', 160) + "\r");
                _out.Flush();
            }
        }
    }

    public void Dispose() => Finish();
}

/// <summary>Human-readable numbers.</summary>
internal static class Units
{
    public static string Bytes(long bytes) => bytes switch
    {
        < 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes} B"),
        < 1024 * 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0:F1} KiB"),
        < 1024L * 1024 * 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024.0 * 1024):F1} MiB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024.0 * 1024 * 1024):F2} GiB"),
    };

    public static string Duration(TimeSpan t) => t.TotalHours >= 1
        ? string.Create(CultureInfo.InvariantCulture, $"{(int)t.TotalHours}h{t.Minutes:D2}m")
        : string.Create(CultureInfo.InvariantCulture, $"{t.Minutes:D2}:{t.Seconds:D2}");
}
