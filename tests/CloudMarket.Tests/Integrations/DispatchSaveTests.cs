using CloudMarket.Features.Integrations;
using CloudMarket.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace CloudMarket.Tests.Integrations;

/// <summary>
/// <see cref="IntegrationQueue.SaveDispatchAsync"/>: a fanned-out batch is saved whole — its deliveries and its events
/// marked dispatched — or, when another instance re-claimed one of its events meanwhile (the lease ran out), not at
/// all, so that instance fans it out and nobody delivers it twice. On PostgreSQL the events are marked by one statement
/// per attempt number, not by EF Core's per-row concurrency check (docs/performance.md, point 37): the check must hold
/// for every event of the batch, whatever its attempt number.
/// </summary>
public abstract class DispatchSaveTests(CloudMarketFactory app)
{
    private static readonly DateTime Now = new(2026, 12, 6, 9, 0, 0, DateTimeKind.Utc);

    [Fact]
    public async Task ABatchStillClaimed_IsMarkedDispatchedWithItsDeliveries()
    {
        var marker = Guid.NewGuid().ToString("N");
        // Claimed once, twice and once: two attempt numbers in one batch.
        var events = await ClaimedEventsAsync(1, 2, 1);

        var saved = await app.WithDbAsync(db => IntegrationQueue.SaveDispatchAsync(db, events, Deliveries(events, marker), Now, CancellationToken.None));

        Assert.True(saved);
        Assert.All(await ReadAsync(events), e => Assert.Equal(Now, e.DispatchedAt));
        Assert.Equal(events.Count, await DeliveryCountAsync(marker));
    }

    [Fact]
    public async Task WhenAnotherInstanceReclaimedOneEvent_NothingOfTheBatchIsSaved()
    {
        var marker = Guid.NewGuid().ToString("N");
        var events = await ClaimedEventsAsync(1, 2, 1);
        // The lease ran out and another instance claimed the second event again: its attempt number moved on.
        await app.WithDbAsync(db => db.Set<IntegrationEvent>().Where(e => e.Id == events[1].Id)
            .ExecuteUpdateAsync(u => u.SetProperty(e => e.Attempts, e => e.Attempts + 1).SetProperty(e => e.LeaseOwner, "other/1")));

        var saved = await app.WithDbAsync(db => IntegrationQueue.SaveDispatchAsync(db, events, Deliveries(events, marker), Now, CancellationToken.None));

        Assert.False(saved);
        Assert.All(await ReadAsync(events), e => Assert.Null(e.DispatchedAt));
        Assert.Equal(0, await DeliveryCountAsync(marker));
    }

    /// <summary>Events as a claim returns them (not tracked), claimed this many times each; due in a year, so the app's own dispatcher leaves them alone.</summary>
    private Task<List<IntegrationEvent>> ClaimedEventsAsync(params int[] attempts) => app.WithDbAsync(async db =>
    {
        var events = attempts.Select(n => new IntegrationEvent("order.completed", Demo.Fabrikam, null, null, null, false, Now, null)
        {
            DueAt = Now.AddYears(1), LeaseOwner = "this/1", LeaseExpiresAt = Now.AddMinutes(5), Attempts = n,
        }).ToList();
        db.AddRange(events);
        await db.SaveChangesAsync();
        return await db.Set<IntegrationEvent>().AsNoTracking().Where(e => events.Select(x => x.Id).Contains(e.Id)).OrderBy(e => e.Id).ToListAsync();
    });

    private static List<Delivery> Deliveries(IEnumerable<IntegrationEvent> events, string marker) => events.Select(e =>
    {
        var mail = Delivery.Email(null, "someone@example.test", $"{marker}-{e.EventId}", e.Type, null, "Subject", "text", "<p>html</p>", Now, null);
        mail.DueAt = Now.AddYears(1);
        return mail;
    }).ToList();

    private Task<List<IntegrationEvent>> ReadAsync(List<IntegrationEvent> events) => app.WithDbAsync(db =>
    {
        var ids = events.Select(e => e.Id).ToList();
        return db.Set<IntegrationEvent>().AsNoTracking().Where(e => ids.Contains(e.Id)).OrderBy(e => e.Id).ToListAsync();
    });

    private Task<int> DeliveryCountAsync(string marker) =>
        app.WithDbAsync(db => db.Set<Delivery>().CountAsync(d => d.EventId.StartsWith(marker)));
}

public sealed class DispatchSaveTestsOnSqlite(SqliteIntegrationsFactory app) : DispatchSaveTests(app), IClassFixture<SqliteIntegrationsFactory>;

public sealed class DispatchSaveTestsOnPostgres(PostgresIntegrationsFactory app) : DispatchSaveTests(app), IClassFixture<PostgresIntegrationsFactory>;
