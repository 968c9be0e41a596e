using System.Linq.Expressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CloudMarket.Data;

/// <summary>
/// The work queues are tables: outbox events (<see cref="Features.Integrations.IntegrationEvent"/>), deliveries
/// (<see cref="Features.Integrations.Delivery"/>) and provisioning jobs (<see cref="Features.Provisioning.ProvisioningJob"/>).
/// A row is claimed with a lease by one UPDATE … RETURNING (<see cref="Features.Integrations.IntegrationQueue"/>,
/// <see cref="Features.Provisioning.ProvisioningJobQueue"/>), then ended. Their indexes are built for that life
/// (docs/performance.md, point 30).
/// </summary>
public static class QueueTables
{
    /// <summary>
    /// The claim's index: the open rows alone, in the order the claim takes them. Ended rows are most of a queue
    /// table and never claimed again; with them in the index (as its first column), every claim stepped over the
    /// entries of rows ended since the last vacuum, and a claim of events that had to sort every open row by id
    /// took 30 ms with 10,000 waiting. In the claim's order a claim reads its batch and stops.
    /// </summary>
    /// <param name="endedColumn">The column that is null while the row is open (the filter, as the claim writes it).</param>
    /// <param name="only">A further condition, for an index of some of the open rows (SQL, as the claim writes it).</param>
    /// <param name="name">The index's name after the table's (<c>IX_Deliveries_Open</c>).</param>
    public static IndexBuilder<T> OpenRowsIndex<T>(EntityTypeBuilder<T> table, Expression<Func<T, object?>> claimOrder, string endedColumn,
        string? only = null, string name = "Open")
        where T : class =>
        table.HasIndex(claimOrder, $"IX_{table.Metadata.GetTableName()}_{name}")
            .HasFilter($"\"{endedColumn}\" IS NULL" + (only is null ? "" : $" AND {only}"));

    /// <summary>
    /// How full PostgreSQL fills a queue table's pages (of 100). A claim's lease (owner, expiry, attempt number)
    /// is in no index, so PostgreSQL can write the row's new version in place (a HOT update, no new index entries)
    /// if its page has room; pages filled to the brim, as rows appended one after another leave them, never do.
    /// </summary>
    public const int PostgresFillFactor = 70;

    /// <summary>PostgreSQL only: room in each queue table's pages for its leases (<see cref="PostgresFillFactor"/>).</summary>
    public static void LeaveRoomForLeases(ModelBuilder b)
    {
        foreach (var table in new[] { typeof(Features.Integrations.IntegrationEvent), typeof(Features.Integrations.Delivery), typeof(Features.Provisioning.ProvisioningJob) })
            b.Entity(table).HasStorageParameter("fillfactor", PostgresFillFactor);
    }
}
