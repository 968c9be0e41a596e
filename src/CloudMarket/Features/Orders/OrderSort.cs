using System.Buffers.Text;
using System.Globalization;
using System.Text.Json.Serialization;
using System.Text;
using CloudMarket.Infrastructure;

namespace CloudMarket.Features.Orders;

/// <summary>What a list can be sorted by (api.md <c>sort</c>): the order's date, its number, its status.</summary>
[JsonConverter(typeof(ApiEnumConverter<OrderSortKey>))]
public enum OrderSortKey { Date, Number, Status }

/// <summary>
/// The sort of a list: <c>date</c>, <c>-date</c> (the default, newest first), <c>number</c>, <c>-number</c>,
/// <c>status</c>, <c>-status</c>. Its <c>default</c> value is <c>-date</c>. Each sort is a total order, so
/// keyset paging never repeats or skips a row: date ties are broken by the number; within one status the
/// rows are newest first (date, then number), whichever direction the statuses go. Statuses are ordered
/// by their API names (<c>completed</c> … <c>started</c>), the order of the labels a user reads.
/// </summary>
public readonly record struct OrderSort(OrderSortKey Key, bool Ascending)
{
    public static readonly OrderSort Default = default;

    /// <summary>Every value <c>sort</c> accepts, as the API writes them.</summary>
    public static readonly IReadOnlyList<string> Names =
        [.. Enum.GetValues<OrderSortKey>().SelectMany(k => new[] { new OrderSort(k, true).Name, new OrderSort(k, false).Name })];

    public string Name => (Ascending ? "" : "-") + ApiNames.Of(Key);

    public override string ToString() => Name;

    public static bool TryParse(string? value, out OrderSort sort)
    {
        foreach (var key in Enum.GetValues<OrderSortKey>())
            foreach (var ascending in new[] { true, false })
                if (string.Equals(value, new OrderSort(key, ascending).Name, StringComparison.Ordinal))
                {
                    sort = new OrderSort(key, ascending);
                    return true;
                }
        sort = Default;
        return false;
    }

    /// <summary>
    /// What a click on a column's header asks for: the other direction of the current sort, or the column's
    /// natural first direction (newest / highest number first; statuses a to z).
    /// </summary>
    public OrderSort Toggle(OrderSortKey key) => key == Key ? this with { Ascending = !Ascending } : new OrderSort(key, key == OrderSortKey.Status);

    /// <summary>The statuses a status-sorted list walks, in this sort's order.</summary>
    public IReadOnlyList<OrderStatus> InStatusOrder(IEnumerable<OrderStatus> statuses)
    {
        var sorted = statuses.Distinct().OrderBy(s => ApiNames.Of(s), StringComparer.Ordinal).ToList();
        if (!Ascending) sorted.Reverse();
        return sorted;
    }

    /// <summary>Negative when a status comes before another in this sort, as <see cref="InStatusOrder"/> lists them.</summary>
    public int CompareStatuses(OrderStatus a, OrderStatus b) =>
        StringComparer.Ordinal.Compare(ApiNames.Of(a), ApiNames.Of(b)) * (Ascending ? 1 : -1);
}

/// <summary>
/// Where a page ends in its sort: the last row's status (status sort), date (date and status sorts) and
/// number. The cursor a client gets is opaque: this position and the sort's name, base64url-encoded, so a
/// cursor of one sort sent with another is recognised and refused (400) instead of paging wrongly.
/// </summary>
public sealed record OrderCursor(OrderSort Sort, OrderStatus Status, DateTime Date, long Id)
{
    public string Encode()
    {
        var text = Sort.Key switch
        {
            OrderSortKey.Number => $"{Sort.Name}:{Id}",
            OrderSortKey.Status => $"{Sort.Name}:{ApiNames.Of(Status)}:{Date.Ticks}:{Id}",
            _ => $"{Sort.Name}:{Date.Ticks}:{Id}",
        };
        return Base64Url.EncodeToString(Encoding.UTF8.GetBytes(text));
    }

    /// <summary>The position of a cursor this API returned for <paramref name="sort"/>; null without one; else 400.</summary>
    public static OrderCursor? Decode(string? cursor, OrderSort sort)
    {
        if (string.IsNullOrEmpty(cursor)) return null;
        string[] parts;
        try { parts = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(cursor)).Split(':'); }
        catch (FormatException) { parts = []; }
        if (parts.Length > 0 && OrderSort.TryParse(parts[0], out var of) && of != sort)
            throw RequestValidationException.For("cursor", $"This cursor pages the sort `{of.Name}`, not `{sort.Name}`; start again without it.");
        if (parts.Length > 0 && parts[0] == sort.Name && Parse(parts[1..], sort) is { } position)
            return position;
        throw RequestValidationException.For("cursor", "Not a cursor this API returned; start again without it.");
    }

    private static OrderCursor? Parse(string[] values, OrderSort sort)
    {
        var status = OrderStatus.Started;
        if (sort.Key == OrderSortKey.Status)
        {
            if (values.Length != 3) return null;
            var named = Enum.GetValues<OrderStatus>().Where(s => ApiNames.Of(s) == values[0]).ToList();
            if (named.Count != 1) return null;
            status = named[0];
            values = values[1..];
        }
        var date = DateTime.MinValue;
        if (sort.Key != OrderSortKey.Number)
        {
            if (values.Length != 2 || !long.TryParse(values[0], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
                || ticks > DateTime.MaxValue.Ticks)
                return null;
            date = new DateTime(ticks, DateTimeKind.Utc);
            values = values[1..];
        }
        return values.Length == 1 && long.TryParse(values[0], NumberStyles.None, CultureInfo.InvariantCulture, out var id)
            ? new OrderCursor(sort, status, date, id)
            : null;
    }
}
