using System.Collections.Concurrent;
using System.Data.Common;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace CloudMarket.Tests.Infrastructure;

/// <summary>
/// The SQL statements the app ran for one request of a test, to assert how many round trips a request costs.
/// Only requests carrying <see cref="Header"/> are recorded (the app's background work never is).
/// </summary>
public sealed class StatementLog : DbCommandInterceptor
{
    public const string Header = "X-Test-Statements";
    private readonly ConcurrentDictionary<string, ConcurrentQueue<string>> _byRequest = new();

    /// <summary>Sends a GET marked for recording; answers the statements it ran, in order.</summary>
    public async Task<List<string>> OfGetAsync(HttpClient client, string url)
    {
        var id = Guid.NewGuid().ToString("N");
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Add(Header, id);
        using var response = await client.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return _byRequest.TryRemove(id, out var statements) ? [.. statements] : [];
    }

    private void Record(DbCommand command)
    {
        // The request's HttpContext flows with the execution context (the app registers the accessor).
        if (new HttpContextAccessor().HttpContext?.Request.Headers[Header].ToString() is { Length: > 0 } id)
            _byRequest.GetOrAdd(id, _ => new()).Enqueue(command.CommandText);
    }

    public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command, CommandEventData eventData,
        InterceptionResult<DbDataReader> result, CancellationToken ct = default)
    {
        Record(command);
        return ValueTask.FromResult(result);
    }

    public override InterceptionResult<DbDataReader> ReaderExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result)
    {
        Record(command);
        return result;
    }

    public override ValueTask<InterceptionResult<object>> ScalarExecutingAsync(DbCommand command, CommandEventData eventData,
        InterceptionResult<object> result, CancellationToken ct = default)
    {
        Record(command);
        return ValueTask.FromResult(result);
    }

    public override ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(DbCommand command, CommandEventData eventData,
        InterceptionResult<int> result, CancellationToken ct = default)
    {
        Record(command);
        return ValueTask.FromResult(result);
    }
}
