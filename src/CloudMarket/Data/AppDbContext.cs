using CloudMarket.Features.Catalog;
using CloudMarket.Features.Identity;
using CloudMarket.Features.Orders;
using CloudMarket.Features.Organizations;
using CloudMarket.Features.Provisioning;
using CloudMarket.Features.Subscriptions;
using CloudMarket.Infrastructure;
using CloudMarket.VendorPolicies;
using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

namespace CloudMarket.Data;

/// <summary>
/// The one database context. Provider-specific subclasses exist only so each provider has its own
/// migration set (EF Core "Migrations with multiple providers").
/// </summary>
public abstract class AppDbContext(DbContextOptions options)
    : IdentityDbContext<AppUser, IdentityRole<Guid>, Guid>(options), IDataProtectionKeyContext
{
    /// <summary>
    /// <c>"Status" IN ('…', …)</c>, as a partial index's predicate and in set-based SQL: the order statuses as the
    /// database stores them (their names).
    /// </summary>
    internal static string StatusInSql(IEnumerable<OrderStatus> statuses) => $"\"Status\" IN ({string.Join(", ", statuses.Select(s => $"'{s}'"))})";

    /// <summary>
    /// Which provider this context runs on, for the paths whose SQL differs. Asked on every list, search, claim and
    /// bulk insert: EF Core's <c>Database.IsNpgsql()</c> reads the provider's assembly name twice
    /// (<c>Assembly.GetName()</c>, which allocates) each time it is asked (docs/performance.md, point 39); the
    /// context's own type answers for free.
    /// </summary>
    public bool IsPostgres => this is PostgresAppDbContext;

    /// <inheritdoc cref="IsPostgres"/>
    public bool IsSqlite => this is SqliteAppDbContext;

    public DbSet<Organization> Organizations => Set<Organization>();
    public DbSet<Vendor> Vendors => Set<Vendor>();
    public DbSet<Offer> Offers => Set<Offer>();
    public DbSet<Subscription> Subscriptions => Set<Subscription>();
    public DbSet<CustomerTenant> CustomerTenants => Set<CustomerTenant>();
    public DbSet<Order> Orders => Set<Order>();
    public DbSet<OrderItem> OrderItems => Set<OrderItem>();
    public DbSet<OrderEvent> OrderEvents => Set<OrderEvent>();
    public DbSet<PlaceIdempotency> PlaceIdempotency => Set<PlaceIdempotency>();
    public DbSet<ProvisioningJob> ProvisioningJobs => Set<ProvisioningJob>();
    public DbSet<ApprovalRule> ApprovalRules => Set<ApprovalRule>();
    public DbSet<RefreshToken> RefreshTokens => Set<RefreshToken>();
    public DbSet<UserChange> UserChanges => Set<UserChange>();

    /// <summary>
    /// Runs a write that bypasses SaveChanges (raw SQL, ExecuteUpdate) under the same writer
    /// discipline as SaveChanges: on SQLite, one writer at a time.
    /// </summary>
    public virtual Task<T> WriteAsync<T>(Func<CancellationToken, Task<T>> write, CancellationToken ct) => write(ct);

    /// <summary>
    /// Runs a statement that bypasses SaveChanges (a bulk insert, an ExecuteDelete) and then saves the context's changes,
    /// in one transaction (the caller's, if one is open): all or nothing, under <see cref="WriteAsync"/>'s writer
    /// discipline. The whole transaction is given up if either fails, so the savepoint EF Core would set before a save
    /// inside a transaction is not needed. Answers what the statement answered.
    /// </summary>
    public Task<T> SaveChangesAfterAsync<T>(Func<CancellationToken, Task<T>> statement, CancellationToken ct) => WriteAsync(async t =>
    {
        var own = Database.CurrentTransaction is null ? await Database.BeginTransactionAsync(t) : null;
        var savepoints = Database.AutoSavepointsEnabled;
        Database.AutoSavepointsEnabled = false;
        try
        {
            var result = await statement(t);
            await SaveChangesAsync(t);
            if (own is not null) await own.CommitAsync(t);
            return result;
        }
        finally
        {
            Database.AutoSavepointsEnabled = savepoints;
            if (own is not null) await own.DisposeAsync();
        }
    }, ct);

    /// <summary>
    /// A save detects what changed once. Its recorders (<see cref="SaveRecorder"/>: the integration events, the
    /// tally changes) read the states as they are, and EF Core's own detection after them would scan every tracked
    /// entity again: three scans a save, of hundreds of entities when a worker settles a batch (docs/performance.md,
    /// point 36). The recorders only add rows, which need no detecting.
    /// </summary>
    public override async Task<int> SaveChangesAsync(bool acceptAllChangesOnSuccess, CancellationToken ct = default)
    {
        using var _ = DetectOnce();
        return await base.SaveChangesAsync(acceptAllChangesOnSuccess, ct);
    }

    /// <inheritdoc cref="SaveChangesAsync(bool, CancellationToken)"/>
    public override int SaveChanges(bool acceptAllChangesOnSuccess)
    {
        using var _ = DetectOnce();
        return base.SaveChanges(acceptAllChangesOnSuccess);
    }

    /// <summary>The changes detected now, and detection off until the pause is disposed (left alone if a caller turned it off).</summary>
    private DetectionPause DetectOnce()
    {
        if (!ChangeTracker.AutoDetectChangesEnabled) return default;
        ChangeTracker.DetectChanges();
        ChangeTracker.AutoDetectChangesEnabled = false;
        return new DetectionPause(ChangeTracker);
    }

    private readonly struct DetectionPause(Microsoft.EntityFrameworkCore.ChangeTracking.ChangeTracker? tracker) : IDisposable
    {
        public void Dispose()
        {
            if (tracker is not null) tracker.AutoDetectChangesEnabled = true;
        }
    }

    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    protected override void OnModelCreating(ModelBuilder b)
    {
        base.OnModelCreating(b);

        b.Entity<Organization>(e =>
        {
            e.Property(o => o.Name).HasMaxLength(200);
            e.Property(o => o.Type).HasConversion<string>().HasMaxLength(20);
            e.Property(o => o.Country).HasMaxLength(2);
            e.Property(o => o.DistributorMarkupPercent).HasPrecision(9, 4);
            e.Property(o => o.DefaultSellerMarkupPercent).HasPrecision(9, 4);
            e.HasIndex(o => new { o.ParentId, o.Name });
        });

        b.Entity<AppUser>(e =>
        {
            e.Property(u => u.FirstName).HasMaxLength(100);
            e.Property(u => u.LastName).HasMaxLength(100);
            e.HasIndex(u => u.OrganizationId);
            // Existing users stay active when the column is added. The sentinel is true so EF always
            // writes an inactive user's false instead of leaving it to the default.
            e.Property(u => u.IsActive).HasDefaultValue(true).HasSentinel(true);
            // Existing users read their times in UTC until they choose a zone.
            e.Property(u => u.TimeZone).HasMaxLength(TimeFormat.MaxZoneLength).HasDefaultValue(TimeFormat.DefaultZone);
        });

        b.Entity<RefreshToken>(e =>
        {
            e.Property(t => t.TokenHash).HasMaxLength(64);
            e.Property(t => t.SecurityStamp).HasMaxLength(256);
            e.HasIndex(t => t.TokenHash).IsUnique();
            e.HasIndex(t => t.FamilyId);
            e.HasIndex(t => new { t.UserId, t.ExpiresAt });
            // A deleted user's refresh tokens go with it (the audit rows stay: they are the record).
            e.HasOne<AppUser>().WithMany().HasForeignKey(t => t.UserId).OnDelete(DeleteBehavior.Cascade);
        });

        b.Entity<UserChange>(e =>
        {
            e.Property(c => c.Kind).HasConversion<string>().HasMaxLength(32);
            e.Property(c => c.Detail).HasMaxLength(400);
            e.Property(c => c.ByName).HasMaxLength(200);
            e.HasIndex(c => new { c.UserId, c.Id });
        });

        b.Entity<Vendor>(e =>
        {
            e.Property(v => v.Id).HasMaxLength(64);
            e.Property(v => v.Name).HasMaxLength(200);
            e.Property(v => v.Api).HasConversion<string>().HasMaxLength(20);
        });

        b.Entity<Offer>(e =>
        {
            e.Property(o => o.Id).HasMaxLength(64);
            e.Property(o => o.Name).HasMaxLength(200);
            e.Property(o => o.Currency).HasMaxLength(3);
            e.Property(o => o.MonthlyVendorCost).HasPrecision(18, 4);
            e.HasOne(o => o.Vendor).WithMany().HasForeignKey(o => o.VendorId);
            e.Property(o => o.AddonFor).HasConversion(
                v => string.Join(',', v),
                v => v.Split(',', StringSplitOptions.RemoveEmptyEntries).ToList(),
                new Microsoft.EntityFrameworkCore.ChangeTracking.ValueComparer<List<string>>(
                    (a, c) => a!.SequenceEqual(c!), v => v.Aggregate(0, (h, s) => HashCode.Combine(h, s.GetHashCode())), v => v.ToList()))
                .HasMaxLength(1000);
            e.Ignore(o => o.BillingCycles);
        });

        b.Entity<Subscription>(e =>
        {
            e.Property(s => s.OfferId).HasMaxLength(64);
            e.HasOne(s => s.Offer).WithMany().HasForeignKey(s => s.OfferId);
            e.Property(s => s.Status).HasConversion<string>().HasMaxLength(20);
            e.Property(s => s.BillingCycle).HasConversion<string>().HasMaxLength(20);
            e.Property(s => s.MarkupPercent).HasPrecision(9, 4);
            e.Property(s => s.AdminEmail).HasMaxLength(254);
            e.Property(s => s.AdminFirstName).HasMaxLength(100);
            e.Property(s => s.AdminLastName).HasMaxLength(100);
            e.Property(s => s.TenantName).HasMaxLength(253);
            e.Property(s => s.VendorSubscriptionId).HasMaxLength(100);
            // A handful of "ticks:quantity" pairs: only increases whose window may still be open are kept.
            e.Property(s => s.RecentIncreases).HasConversion(
                v => string.Join(';', v.Select(i => $"{i.At.Ticks}:{i.QuantityBefore}")),
                v => ParseIncreases(v),
                new Microsoft.EntityFrameworkCore.ChangeTracking.ValueComparer<List<IncreaseWindow>>(
                    (a, c) => a!.SequenceEqual(c!), v => v.Aggregate(0, (h, i) => HashCode.Combine(h, i.GetHashCode())), v => v.ToList()))
                .HasMaxLength(1000);
            e.Ignore(s => s.AdminContact);
            e.HasIndex(s => new { s.CustomerId, s.StartDate });
            // A subscription's add-ons (its detail, webhook payloads, a cancellation or suspension passing on to them): without it
            // each read went through every subscription of the platform, 4.3 ms at 23,000 (docs/performance.md point 33). Add-ons
            // only: the filter keeps the base subscriptions, nearly all of them, out of it.
            e.HasIndex(s => s.ParentSubscriptionId).HasFilter("\"ParentSubscriptionId\" IS NOT NULL");
        });

        b.Entity<CustomerTenant>(e =>
        {
            e.HasKey(t => t.Name);
            e.Property(t => t.Name).HasMaxLength(253);
            e.HasOne<Organization>().WithMany().HasForeignKey(t => t.CustomerId).OnDelete(DeleteBehavior.Restrict);
            e.HasIndex(t => t.CustomerId);
        });

        b.Entity<Order>(e =>
        {
            e.Property(o => o.Id).ValueGeneratedOnAdd();
            e.Property(o => o.Name).HasMaxLength(Order.MaxNameLength);
            e.Property(o => o.Status).HasConversion<string>().HasMaxLength(32);
            e.Property(o => o.CreatedByName).HasMaxLength(200);
            e.Property(o => o.CreatedByOrganizationName).HasMaxLength(200);
            e.Property(o => o.CreatedByOrganizationType).HasConversion<string>().HasMaxLength(20);
            e.Property(o => o.Note).HasMaxLength(Order.MaxNoteLength);
            e.Property(o => o.InternalNote).HasMaxLength(Order.MaxNoteLength);
            e.Property(o => o.PaymentMethod).HasConversion<string>().HasMaxLength(20);
            e.Property(o => o.CardBrand).HasMaxLength(30);
            e.Property(o => o.CardLast4).HasMaxLength(4);
            e.Property(o => o.InvoiceContract).HasMaxLength(50);
            e.Property(o => o.Currency).HasMaxLength(3);
            e.Property(o => o.Version).IsConcurrencyToken();
            e.HasMany(o => o.Items).WithOne().HasForeignKey(i => i.OrderId).OnDelete(DeleteBehavior.Cascade);
            e.HasMany(o => o.Events).WithOne().HasForeignKey(ev => ev.OrderId).OnDelete(DeleteBehavior.Cascade);
            e.Navigation(o => o.Items).UsePropertyAccessMode(PropertyAccessMode.Field);
            e.Navigation(o => o.Events).UsePropertyAccessMode(PropertyAccessMode.Field);
            e.Ignore(o => o.IsEditable);
            e.Ignore(o => o.PendingItems);
            e.Ignore(o => o.SucceededItems);
            e.Ignore(o => o.Approvers);
            e.Property(o => o.Schedule).HasConversion<string>().HasMaxLength(20).HasDefaultValue(ScheduleKind.Now).HasSentinel(ScheduleKind.Now);
            e.Property(o => o.ApprovalRule).HasMaxLength(ApprovalRule.MaxNameLength);
            e.Property(o => o.ApprovalApprovers).HasMaxLength(400);
            e.Property(o => o.ApprovalRequestedByName).HasMaxLength(200);
            e.Property(o => o.ApprovalRequestedByOrganizationName).HasMaxLength(200);
            // The lists: one customer, newest first, optionally one status; keyset on (Date, Id).
            e.HasIndex(o => new { o.CustomerId, o.Date, o.Id }).IsDescending(false, true, true);
            e.HasIndex(o => new { o.CustomerId, o.Status, o.Date, o.Id }).IsDescending(false, false, true, true);
            // Recent: one customer's in-flight orders, newest first. A big customer's newest orders are mostly completed,
            // so on the date index the page read and dropped every newer order of other statuses (7,054 rows, 11 ms, once a
            // run of orders had completed); this index holds only Recent's statuses, so its page is a bound. The query
            // writes the same statuses into its SQL (OrderQueries.Filtered) so that both planners match the predicate.
            e.HasIndex(o => new { o.CustomerId, o.Date, o.Id }, "IX_Orders_Recent").IsDescending(false, true, true)
                .HasFilter(StatusInSql(OrderLifecycle.RecentStatuses));
            // sort=number / -number: one customer's orders by number, read forwards or backwards.
            e.HasIndex(o => new { o.CustomerId, o.Id });
            // Needs attention: the orders in a status since before a moment (stuck), longest waiting first.
            e.HasIndex(o => new { o.Status, o.StatusChangedAt });
            // Needs attention's counts: only the orders in its statuses (~10 % of all), by customer, with what the kinds
            // depend on, so counting a seller's queue reads its customers' entries of a small index and no table row.
            e.HasIndex(o => new { o.CustomerId, o.Status, o.StatusChangedAt, o.ScheduledFor }, "IX_Orders_Attention")
                .HasFilter(StatusInSql(Features.Workspace.AttentionQueries.OrderStatuses));
            // Needs attention's scheduled orders due within its horizon: a range of this small index, not every scheduled
            // order of each visible customer (~6,000 of a seller's at 1,000,000 orders, for the ~1,400 due in a week);
            // it holds every column the count reads, so neither database visits the table.
            e.HasIndex(o => new { o.ScheduledFor, o.CustomerId, o.Status, o.StatusChangedAt }, "IX_Orders_Scheduled")
                .HasFilter(StatusInSql(Features.Workspace.AttentionQueries.CountedFromOrders));
        });

        b.Entity<OrderItem>(e =>
        {
            e.Property(i => i.Id).ValueGeneratedNever();
            e.Property(i => i.Kind).HasConversion<string>().HasMaxLength(32);
            e.Property(i => i.OfferId).HasMaxLength(64);
            e.Property(i => i.OfferName).HasMaxLength(200);
            e.Property(i => i.VendorId).HasMaxLength(64);
            e.Property(i => i.VendorName).HasMaxLength(200);
            e.Property(i => i.BillingCycle).HasConversion<string>().HasMaxLength(20);
            e.Property(i => i.MarkupPercent).HasPrecision(9, 4);
            e.Property(i => i.PreviousMarkupPercent).HasPrecision(9, 4);
            e.Property(i => i.AdminEmail).HasMaxLength(254);
            e.Property(i => i.AdminFirstName).HasMaxLength(100);
            e.Property(i => i.AdminLastName).HasMaxLength(100);
            e.Property(i => i.TenantName).HasMaxLength(253);
            e.Property(i => i.MonthlyVendorCost).HasPrecision(18, 4);
            e.Property(i => i.DistributorMarkupPercent).HasPrecision(9, 4);
            e.Property(i => i.SellerMarkupPercent).HasPrecision(9, 4);
            e.Property(i => i.Currency).HasMaxLength(3);
            e.Property(i => i.Description).HasMaxLength(400);
            e.Property(i => i.ProvisioningStatus).HasConversion<string>().HasMaxLength(32);
            e.Property(i => i.ErrorCode).HasMaxLength(100);
            e.Property(i => i.ErrorMessage).HasMaxLength(1000);
            e.Property(i => i.VendorReference).HasMaxLength(200);
            e.Ignore(i => i.AdminContact);
            e.Ignore(i => i.Pricing);
            e.Ignore(i => i.IdempotencyKey);
            e.OwnsMany(i => i.Addons, a =>
            {
                a.ToTable("OrderItemAddons");
                a.WithOwner().HasForeignKey("OrderItemId");
                a.Property<int>("Id");
                a.HasKey("Id");
                a.Property(x => x.OfferId).HasMaxLength(64);
                a.Property(x => x.OfferName).HasMaxLength(200);
                a.Property(x => x.MonthlyVendorCost).HasPrecision(18, 4);
            });
            e.HasIndex(i => new { i.OrderId, i.Position });
            e.HasIndex(i => i.SubscriptionId);
        });

        b.Entity<OrderEvent>(e =>
        {
            e.Property(ev => ev.FromStatus).HasConversion<string>().HasMaxLength(32);
            e.Property(ev => ev.ToStatus).HasConversion<string>().HasMaxLength(32);
            e.Property(ev => ev.ActorName).HasMaxLength(200);
            e.Property(ev => ev.ActorOrganizationName).HasMaxLength(200);
            e.Property(ev => ev.Reason).HasMaxLength(4000);
            e.HasIndex(ev => new { ev.OrderId, ev.Id });
        });

        b.Entity<ApprovalRule>(e =>
        {
            e.Property(r => r.Name).HasMaxLength(ApprovalRule.MaxNameLength);
            e.Property(r => r.PlacedBy).HasMaxLength(400);
            e.Property(r => r.Kinds).HasMaxLength(400);
            e.Property(r => r.Approvers).HasMaxLength(400);
            e.Property(r => r.MinMonthlyAmount).HasPrecision(18, 2);
            e.Ignore(r => r.PlacedByRoles);
            e.Ignore(r => r.KindList);
            e.Ignore(r => r.ApproverRoles);
            e.Ignore(r => r.ConcernsMarkup);
            e.HasOne<Organization>().WithMany().HasForeignKey(r => r.OrganizationId).OnDelete(DeleteBehavior.Cascade);
            e.HasIndex(r => new { r.OrganizationId, r.Position });
        });

        b.Entity<PlaceIdempotency>(e =>
        {
            e.HasKey(p => new { p.UserId, p.Key });
            e.Property(p => p.Key).HasMaxLength(200);
        });

        b.Entity<ProvisioningJob>(e =>
        {
            e.Property(j => j.LeaseOwner).HasMaxLength(100);
            e.Property(j => j.TraceParent).HasMaxLength(128);
            e.Property(j => j.LastError).HasMaxLength(2000);
            QueueTables.OpenRowsIndex(e, j => new { j.DueAt, j.Id }, nameof(ProvisioningJob.CompletedAt));
            e.HasIndex(j => j.OrderId);
        });

        Features.Integrations.IntegrationsModel.Configure(b);
        Features.Workspace.AttentionTallies.Configure(b);
        CustomerOfferNames.Configure(b);
        OrderOfferNames.Configure(b);
        OrderItemListKeys.Configure(b);
        Features.Workspace.ActivityQueries.ConfigureVendorItemsIndex(b);
        Features.Workspace.ActivityQueries.ConfigurePlacedOrdersIndex(b);
    }

    /// <summary>
    /// The stored increases read back. One call in the converter's expression: a method group there (<c>Select(ParseIncrease)</c>)
    /// compiled to a reflection <c>CreateDelegate</c> on every row read, 5 % of the app's CPU in the needs-attention
    /// overview, which reads ~2,000 subscriptions (docs/performance.md, point 15).
    /// </summary>
    private static List<IncreaseWindow> ParseIncreases(string stored) =>
        stored.Length == 0 ? [] : stored.Split(';', StringSplitOptions.RemoveEmptyEntries).Select(ParseIncrease).ToList();

    private static IncreaseWindow ParseIncrease(string stored)
    {
        var parts = stored.Split(':');
        return new IncreaseWindow(new DateTime(long.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture), DateTimeKind.Utc),
            int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture));
    }
}
