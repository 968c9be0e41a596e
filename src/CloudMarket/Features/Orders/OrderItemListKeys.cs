using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;

namespace CloudMarket.Features.Orders;

/// <summary>
/// Each item's order's customer and list date (<see cref="Order.Date"/>), copied onto the item, with an index on the
/// customer, the offer name and that date: so that a search for a term on a customer's items reads, for each of the
/// customer's offer names that hold the term, that customer's items newest first — a few index rows per page, however
/// many orders of the customer do not have the term (docs/performance.md point 26). Without it, a term found on many
/// items walked the customer's orders newest first and read every one without it: ~8,000 after the benchmark's placed
/// orders, 33 ms for one page. On PostgreSQL a second index has them by order number, for the number sort (point 27).
/// <para>
/// Shadow properties, not members of <see cref="OrderItem"/>: the database keeps them, the app never writes them and only
/// queries read them (the search; Needs attention's chart, Workspace.ActivityQueries). Kept by triggers (migration <c>OrderItemListKeys</c>, both providers): an item inserted
/// or moved to another order takes its order's customer and date, and an order whose date changes (placing it dates it)
/// writes the new date onto its items, in the same transaction, whoever writes.
/// </para>
/// </summary>
public static class OrderItemListKeys
{
    public const string CustomerId = "CustomerId";
    public const string OrderDate = "OrderDate";

    /// <summary>The index the search reads an offer name's items by, newest first (its name in both migrations).</summary>
    public const string IndexName = "IX_OrderItems_CustomerId_OfferName_OrderDate_OrderId";

    /// <summary>
    /// The index the search reads an offer name's items by in the number sort: by order number, highest first. PostgreSQL's only,
    /// as the offer-name reads are (<see cref="ConfigureNumberIndex"/>).
    /// </summary>
    public const string NumberIndexName = "IX_OrderItems_CustomerId_OfferName_OrderId";

    public static void Configure(ModelBuilder b) =>
        b.Entity<OrderItem>(e =>
        {
            foreach (var property in new[] { e.Property<Guid>(CustomerId).Metadata, e.Property<DateTime>(OrderDate).Metadata })
            {
                property.ValueGenerated = ValueGenerated.Never;
                // Written by the triggers only: EF neither inserts nor updates them (the database's default, then the triggers).
                property.SetBeforeSaveBehavior(PropertySaveBehavior.Ignore);
                property.SetAfterSaveBehavior(PropertySaveBehavior.Ignore);
            }
            e.HasIndex(CustomerId, nameof(OrderItem.OfferName), OrderDate, nameof(OrderItem.OrderId))
                .IsDescending(false, false, true, true)
                .HasDatabaseName(IndexName);
        });

    /// <summary>
    /// The number sort's index (<see cref="NumberIndexName"/>), for PostgreSQL's model only: SQLite's search does not read by offer
    /// name (OrderQueries.OfferNameMatchesOf says why), so there it would only cost every item's insert a write.
    /// </summary>
    public static void ConfigureNumberIndex(ModelBuilder b) =>
        b.Entity<OrderItem>().HasIndex(CustomerId, nameof(OrderItem.OfferName), nameof(OrderItem.OrderId))
            .IsDescending(false, false, true)
            .HasDatabaseName(NumberIndexName);

    /// <summary>Every item's two columns worked out again from its order, for a database whose items were written with the triggers off (the benchmark's SQLite generator).</summary>
    public const string SqliteRefillSql = """
        UPDATE "OrderItems" SET
            "CustomerId" = (SELECT o."CustomerId" FROM "Orders" o WHERE o."Id" = "OrderItems"."OrderId"),
            "OrderDate" = (SELECT o."Date" FROM "Orders" o WHERE o."Id" = "OrderItems"."OrderId");
        """;
}
