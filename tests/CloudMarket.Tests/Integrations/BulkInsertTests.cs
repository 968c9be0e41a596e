using CloudMarket.Data;
using CloudMarket.Features.Integrations;
using CloudMarket.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;

namespace CloudMarket.Tests.Integrations;

/// <summary>
/// <see cref="BulkInsert.SaveChangesWithAsync{T}"/>: the queues' new rows (deliveries, attempts) saved with the context's
/// changes. On PostgreSQL they go in as one <c>INSERT … SELECT FROM unnest(…)</c> built from the entity's mapping
/// (docs/performance.md, point 31): every column must come out as EF Core's own insert writes it, and a save that fails
/// must leave none of them behind, as one save did.
/// </summary>
public abstract class BulkInsertTests(CloudMarketFactory app)
{
    private static readonly DateTime At = new(2026, 12, 5, 10, 0, 0, DateTimeKind.Utc);
    private static readonly Guid Recipient = Guid.Parse("5f0c2a7e-3d41-4b8e-9a6c-1e2f3a4b5c6d");

    [Fact]
    public async Task RowsFromArrays_ReadBackColumnForColumnAsTheRowsEfCoreInserts()
    {
        var anna = await app.ClientAsync(Demo.SellerAdmin, Demo.Fabrikam);
        var (endpointId, _) = await anna.CreateWebhookAsync(new Uri("http://127.0.0.1:9/never-called"), "order.completed");
        var marker = Guid.NewGuid().ToString("N");

        var byEfCore = await app.WithDbAsync(async db =>
        {
            db.Set<Delivery>().AddRange(Rows(endpointId, marker + "-ef"));
            await db.SaveChangesAsync();
            return await ReadAsync(db, marker + "-ef");
        });
        var fromArrays = await app.WithDbAsync(async db =>
        {
            await db.SaveChangesWithAsync(Rows(endpointId, marker + "-bulk"), CancellationToken.None);
            return await ReadAsync(db, marker + "-bulk");
        });

        Assert.Equal(3, fromArrays.Count);
        var columns = await app.WithDbAsync(db => Task.FromResult(db.Model.FindEntityType(typeof(Delivery))!.GetProperties()
            .Where(p => !p.IsPrimaryKey()).ToList()));
        for (var i = 0; i < byEfCore.Count; i++)
            foreach (var column in columns)
            {
                var (expected, actual) = (Value(column, byEfCore[i]), Value(column, fromArrays[i]));
                if (column.Name == nameof(Delivery.EventId)) (expected, actual) = (((string)expected!).Split('-')[^1], ((string)actual!).Split('-')[^1]);
                Assert.True(Equals(expected, actual), $"row {i}, {column.Name}: {expected} by EF Core, {actual} from arrays");
            }
    }

    [Fact]
    public async Task WhenTheSaveFails_NoneOfTheRowsIsLeft()
    {
        var marker = Guid.NewGuid().ToString("N");
        var ended = await app.WithDbAsync(async db =>
        {
            var delivery = Rows(null, marker + "-ended")[0];
            db.Add(delivery);
            await db.SaveChangesAsync();
            return delivery.Id;
        });

        await app.WithDbAsync(async db =>
        {
            var tracked = await db.Set<Delivery>().SingleAsync(d => d.Id == ended);
            // Another instance claims it meanwhile: Attempts is the concurrency token, so this context's save must fail.
            await app.WithDbAsync(other => other.Set<Delivery>().Where(d => d.Id == ended)
                .ExecuteUpdateAsync(u => u.SetProperty(d => d.Attempts, d => d.Attempts + 1)));
            tracked.Failures++;
            await Assert.ThrowsAsync<DbUpdateConcurrencyException>(() =>
                db.SaveChangesWithAsync(Rows(null, marker + "-lost"), CancellationToken.None));
            return 0;
        });

        Assert.Empty(await app.WithDbAsync(db => ReadAsync(db, marker + "-lost")));
        Assert.Equal(1, await app.WithDbAsync(db => db.Set<Delivery>().Where(d => d.Id == ended).Select(d => d.Failures).SingleAsync()));
    }

    /// <summary>
    /// A webhook's delivery with every column set, an e-mail's with every nullable one null but the lease's, and one
    /// with the lease too: none of them claimable (ended, or due in a year), so the dispatcher leaves them as written.
    /// </summary>
    private static List<Delivery> Rows(long? endpointId, string eventId)
    {
        var rows = new List<Delivery>();
        if (endpointId is { } endpoint)
        {
            var webhook = Delivery.Webhook(endpoint, eventId + "-1", "order.completed", 42, 7, """{"id":"evt"}""", At, "00-trace-01");
            (webhook.Status, webhook.DueAt, webhook.LeaseOwner, webhook.LeaseExpiresAt) = (DeliveryStatus.Failed, At.AddMinutes(1), "host/1", At.AddMinutes(2));
            (webhook.Attempts, webhook.Failures, webhook.FirstAttemptAt, webhook.CompletedAt) = (3, 2, At.AddMinutes(3), At.AddMinutes(4));
            rows.Add(webhook);
        }
        var mail = Delivery.Email(null, "someone@example.test", eventId + "-2", "order.placed", null, "Subject", "text", "<p>html</p>", At, null);
        (mail.DueAt, mail.Attempts, mail.Failures) = (At.AddYears(1), 1, 1);
        rows.Add(mail);
        var leased = Delivery.Email(Recipient, "other@example.test", eventId + "-3", "order.failed", 9, "S", "t", "<p>h</p>", At, "00-x-01");
        (leased.DueAt, leased.LeaseOwner, leased.LeaseExpiresAt, leased.Status) = (At.AddYears(1), "host/2", At.AddYears(1), DeliveryStatus.Succeeded);
        rows.Add(leased);
        return rows;
    }

    private static Task<List<Delivery>> ReadAsync(AppDbContext db, string eventId) =>
        db.Set<Delivery>().AsNoTracking().Where(d => d.EventId.StartsWith(eventId)).OrderBy(d => d.EventId).ToListAsync();

    private static object? Value(IProperty column, Delivery row) => column.PropertyInfo!.GetValue(row);
}

public sealed class BulkInsertTestsOnSqlite(SqliteIntegrationsFactory app) : BulkInsertTests(app), IClassFixture<SqliteIntegrationsFactory>;

public sealed class BulkInsertTestsOnPostgres(PostgresIntegrationsFactory app) : BulkInsertTests(app), IClassFixture<PostgresIntegrationsFactory>;
