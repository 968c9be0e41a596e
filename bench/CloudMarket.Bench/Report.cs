using System.Globalization;
using System.Text;

namespace CloudMarket.Bench;

/// <summary>The run as Markdown tables, written beside the JSON and into docs/performance.md between markers.</summary>
public static class Report
{
    public static string Markdown(Dictionary<string, object?> r)
    {
        var sb = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        sb.AppendLine(inv, $"Run of {r["startedAt"]:yyyy-MM-dd HH:mm} UTC, {r["provider"]}, {r["orders"]:N0} orders; load average at start {r["loadAverageAtStart"]}; data set generated in {r["generateSeconds"]} s.");
        sb.AppendLine();
        sb.AppendLine("CPU per request: the app's, PostgreSQL's and the load driver's CPU time over the run divided by its requests; the ceiling is what the machine's cores could serve at that cost.");
        sb.AppendLine();
        sb.AppendLine("| request | clients | req/s | p50 ms | p99 ms | server p50 ms | server p99 ms | errors | load avg | CPU ms/request: app + PostgreSQL + driver | ceiling req/s |");
        sb.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var x in (List<LoadResult>)r["http"]!)
            sb.AppendLine(inv, $"| {x.Name} | {x.Clients} | {x.RequestsPerSecond} | {x.P50Ms} | {x.P99Ms} | {x.ServerP50Ms} | {x.ServerP99Ms} | {x.Errors} | {x.LoadAverage} | {x.CpuMsPerRequest.AppMs} + {x.CpuMsPerRequest.PostgresMs} + {x.CpuMsPerRequest.DriverMs} | {x.CpuMsPerRequest.CeilingPerSecond} |");
        if (r.TryGetValue("sql", out var sqlObj) && sqlObj is List<SqlResult> sql)
        {
            sb.AppendLine();
            sb.AppendLine("The request's SQL is every statement the list request runs: the session statement (the token's user, and the customer and seller the list is scoped to) and the list code's (search + page + items).");
            sb.AppendLine();
            sb.AppendLine("| list | the request's SQL run directly, p50 ms (session + search + page + items) | API at the server, p50 ms (1 client, in the same seconds) | API ÷ the request's SQL | API ÷ the list code's SQL |");
            sb.AppendLine("|---|---:|---:|---:|---:|");
            foreach (var x in sql)
                sb.AppendLine(inv, $"| {x.Name} | {x.RequestSqlP50Ms} ({x.SessionSqlP50Ms} + {x.SearchSqlP50Ms} + {x.PageSqlP50Ms} + {x.ItemsSqlP50Ms}) | {x.ApiServerP50Ms} | {x.RatioToRequestSql} | {x.Ratio} |");
        }
        if (r.TryGetValue("scaleOut", out var scaleObj) && scaleObj is List<LoadResult> scale)
        {
            sb.AppendLine();
            sb.AppendLine("| list, instances (same database) | clients | req/s | p50 ms | p99 ms | errors | load avg |");
            sb.AppendLine("|---|---:|---:|---:|---:|---:|---:|");
            foreach (var x in scale)
                sb.AppendLine(inv, $"| {x.Name} | {x.Clients} | {x.RequestsPerSecond} | {x.P50Ms} | {x.P99Ms} | {x.Errors} | {x.LoadAverage} |");
            if (r.GetValueOrDefault("replicaTransactions") is long onReplica)
                sb.AppendLine().AppendLine(inv, $"Transactions the replica ran during its round: {onReplica:N0}.");
        }
        if (r.TryGetValue("searchesAfterPlacing", out var afterObj) && afterObj is List<LoadResult> after)
        {
            sb.AppendLine();
            sb.AppendLine("| search, after placing and webhooks | clients | req/s | server p50 ms | server p99 ms | errors |");
            sb.AppendLine("|---|---:|---:|---:|---:|---:|");
            foreach (var x in after)
                sb.AppendLine(inv, $"| {x.Name} | {x.Clients} | {x.RequestsPerSecond} | {x.ServerP50Ms} | {x.ServerP99Ms} | {x.Errors} |");
        }
        sb.AppendLine();
        sb.AppendLine(inv, $"Place → completed: {System.Text.Json.JsonSerializer.Serialize(r.GetValueOrDefault("placeToCompleted"))}");
        sb.AppendLine();
        sb.AppendLine(inv, $"Webhook deliveries: {System.Text.Json.JsonSerializer.Serialize(r.GetValueOrDefault("webhooks"))}");
        sb.AppendLine();
        sb.AppendLine(inv, $"Memory (MB): after the reads {System.Text.Json.JsonSerializer.Serialize(r.GetValueOrDefault("memoryAfterReadsMb"))}, after provisioning {System.Text.Json.JsonSerializer.Serialize(r.GetValueOrDefault("memoryAfterProvisioningMb"))}.");
        return sb.ToString();
    }

    /// <summary>Replaces the section of this provider and size in docs/performance.md (added at the end when missing).</summary>
    public static void UpdateDocs(string docs, string provider, int orders, string markdown)
    {
        if (!File.Exists(docs)) return;
        var begin = $"<!-- bench:{provider}:{orders}:begin -->";
        var end = $"<!-- bench:{provider}:{orders}:end -->";
        var text = File.ReadAllText(docs);
        var section = $"{begin}\n{markdown}{end}";
        var i = text.IndexOf(begin, StringComparison.Ordinal);
        var j = text.IndexOf(end, StringComparison.Ordinal);
        text = i >= 0 && j > i ? text[..i] + section + text[(j + end.Length)..] : text.TrimEnd() + $"\n\n### Latest run: {provider}, {orders:N0} orders\n\n" + section + "\n";
        File.WriteAllText(docs, text);
    }
}
