using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Pipeline.Tests.Support;

/// <summary>Collects log lines in memory, for assertions and for failure messages.</summary>
public sealed class ListLoggerFactory(string prefix) : ILoggerFactory, ILogger
{
    public ConcurrentQueue<string> Lines { get; } = new();

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public ILogger CreateLogger(string categoryName) => this;

    public void Dispose()
    {
    }

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        Lines.Enqueue($"{DateTime.UtcNow:HH:mm:ss.fff} {prefix} {logLevel} {formatter(state, exception)} {exception?.GetType().Name} {exception?.Message}");
}
