using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;

namespace CloudMarket.Features.Orders;

/// <summary>
/// The offer names of an order's items, on the order's own row (<see cref="Order.VisibleOfferNames"/>,
/// <see cref="Order.MarkupOfferNames"/>), so that the list's search, when it walks a customer's orders newest first for a
/// frequent term, checks each order where it already reads it instead of probing its items: ~1.3 µs per order walked
/// instead of ~4 (docs/performance.md point 25).
/// <para>
/// Kept by triggers on OrderItems (migration <c>OrderOfferNames</c>, both providers): an item inserted, deleted, or changed in
/// its name, kind or order makes the database work out its order's two columns again from the items, in the same transaction,
/// whoever writes the item — EF, <c>ExecuteUpdate</c>, raw SQL. The app never writes them (EF leaves them out of its
/// statements). Split by the visibility rule (<see cref="OrderVisibility.SeesItem"/>): markup changes apart, so a
/// customer-level user's search looks at the visible names only.
/// </para>
/// </summary>
public static class OrderOfferNames
{
    /// <summary>Between two names in a column, ordered by the items' positions. A term holding it could match across two items, so such a term is checked on the items themselves.</summary>
    public const char Separator = '\n';

    public static void Configure(ModelBuilder b) =>
        b.Entity<Order>(e =>
        {
            foreach (var column in new[] { nameof(Order.VisibleOfferNames), nameof(Order.MarkupOfferNames) })
            {
                var property = e.Property<string>(column).HasDefaultValue("").ValueGeneratedNever();
                // Written by the triggers only: EF neither inserts nor updates them (the database's default, then the triggers).
                property.Metadata.SetBeforeSaveBehavior(PropertySaveBehavior.Ignore);
                property.Metadata.SetAfterSaveBehavior(PropertySaveBehavior.Ignore);
            }
        });

    /// <summary>
    /// The two columns as PostgreSQL aggregates over an order's items aliased <c>i</c>, as the trigger writes them: for a load
    /// that writes the items with triggers off (the benchmark's generator).
    /// </summary>
    public const string PostgresAggregates = """
        coalesce(string_agg(i."OfferName", E'\n' ORDER BY i."Position") FILTER (WHERE i."Kind" <> 'ChangeMarkup'), '') AS "VisibleOfferNames",
        coalesce(string_agg(i."OfferName", E'\n' ORDER BY i."Position") FILTER (WHERE i."Kind" = 'ChangeMarkup'), '') AS "MarkupOfferNames"
        """;

    /// <summary>Every order's two columns worked out again on SQLite, for a database whose items were written with the triggers off (the benchmark's generator).</summary>
    public const string SqliteRefillSql = """
        UPDATE "Orders" SET
            "VisibleOfferNames" = coalesce((SELECT group_concat("OfferName", char(10)) FROM (SELECT i."OfferName" FROM "OrderItems" i
                                            WHERE i."OrderId" = "Orders"."Id" AND i."Kind" <> 'ChangeMarkup' ORDER BY i."Position")), ''),
            "MarkupOfferNames" = coalesce((SELECT group_concat("OfferName", char(10)) FROM (SELECT i."OfferName" FROM "OrderItems" i
                                           WHERE i."OrderId" = "Orders"."Id" AND i."Kind" = 'ChangeMarkup' ORDER BY i."Position")), '');
        """;
}
