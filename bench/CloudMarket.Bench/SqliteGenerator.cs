using System.Diagnostics;
using CloudMarket.Data;
using CloudMarket.Features.Orders;
using Microsoft.Data.Sqlite;

namespace CloudMarket.Bench;

/// <summary>
/// The same data set as <see cref="Generator"/> for the embedded SQLite default (100,000 orders by
/// default), in SQLite's dialect and EF Core's SQLite storage formats: GUIDs as upper-case text,
/// date-times as 'yyyy-MM-dd HH:mm:ss' text (whole seconds, as EF Core writes them), decimals as text.
/// Deterministic: a multiplicative hash of the row number stands in for PostgreSQL's hashint8.
/// </summary>
public static class SqliteGenerator
{
    private static string Hash(string n, int salt) => $"((({n}) + {salt}) * 2654435761 % 2147483647)";

    public static async Task<double> GenerateAsync(string file, int orders)
    {
        var watch = Stopwatch.StartNew();
        await using var conn = new SqliteConnection($"Data Source={file}");
        await conn.OpenAsync();
        async Task Run(string sql, string what)
        {
            var step = Stopwatch.StartNew();
            await using var cmd = conn.CreateCommand();
            cmd.CommandText = sql;
            cmd.CommandTimeout = 0;
            await cmd.ExecuteNonQueryAsync();
            Console.WriteLine($"  {what}: {step.Elapsed.TotalSeconds:0.0} s");
        }
        string Guid(string expr, int tag) => $"printf('%08X-%04X-4%03X-8%03X-%012X', {expr}, {tag}, 0, 0, {expr})";
        string Id(Guid id) => $"'{id.ToString().ToUpperInvariant()}'";

        await Run($"""
            PRAGMA journal_mode = WAL; PRAGMA synchronous = OFF;
            BEGIN;
            WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < {Generator.Customers} - (SELECT count(*) FROM "Organizations" WHERE "Type" = 'Customer'))
            INSERT INTO "Organizations" ("Id", "Name", "Type", "ParentId", "Country", "DistributorMarkupPercent", "DefaultSellerMarkupPercent")
            SELECT {Guid("n", 1)}, 'Bench Customer ' || printf('%04d', n), 'Customer',
                   CASE WHEN n % 2 = 0 THEN {Id(DemoData.Contoso)} ELSE {Id(DemoData.Litware)} END, 'DK', '0.0', '0.0' FROM g;
            CREATE TEMP TABLE bench_customers AS
            SELECT row_number() OVER (ORDER BY c."Id") - 1 AS idx, c."Id" AS id, s."Id" AS seller_id, s."Name" AS seller_name,
                   (SELECT x."Id" FROM "AspNetUsers" x WHERE x."OrganizationId" = s."Id" AND x."Email" LIKE 'seller.admin@%') AS user_id,
                   (SELECT x."FirstName" || ' ' || x."LastName" FROM "AspNetUsers" x WHERE x."OrganizationId" = s."Id" AND x."Email" LIKE 'seller.admin@%') AS user_name
            FROM "Organizations" c JOIN "Organizations" s ON s."Id" = c."ParentId"
            WHERE c."Type" = 'Customer' AND c."Id" <> {Id(DemoData.Fabrikam)};
            CREATE TEMP TABLE bench_offers AS
            SELECT row_number() OVER (ORDER BY o."Id") - 1 AS idx, o."Id" AS id, o."Name" AS name, o."VendorId" AS vendor_id,
                   v."Name" AS vendor_name, o."MonthlyVendorCost" AS cost
            FROM "Offers" o JOIN "Vendors" v ON v."Id" = o."VendorId" WHERE o."AddonFor" = '';
            CREATE TEMP TABLE bench_users AS
            SELECT u."Email" AS email, u."Id" AS id, u."FirstName" || ' ' || u."LastName" AS name, o."Id" AS org_id, o."Name" AS org_name
            FROM "AspNetUsers" u JOIN "Organizations" o ON o."Id" = u."OrganizationId"
            WHERE u."Email" IN ('customer.admin@fabrikam.example', 'seller.admin@contoso.example');
            COMMIT;
            """, "customers");

        // The search index's triggers (migration SqliteSearch) would refresh an order's index row once per
        // inserted row; the load runs without them, then the index is rebuilt in one pass and they come back.
        // (With them the triggers of CustomerOfferNames, OrderOfferNames and OrderItemListKeys, named alike: that table, the
        // orders' offer names and the items' customer and date are filled again with the index.)
        var triggers = new List<string>();
        await using (var read = conn.CreateCommand())
        {
            read.CommandText = """SELECT "sql" FROM sqlite_master WHERE "type" = 'trigger' AND "name" LIKE 'OrderSearch!_%' ESCAPE '!'""";
            await using var reader = await read.ExecuteReaderAsync();
            while (await reader.ReadAsync()) triggers.Add(reader.GetString(0));
        }
        await Run(string.Concat(triggers.Select(t => "DROP TRIGGER \"" + t.Split('"')[1] + "\";")), "search triggers off");

        await Run($"""
            BEGIN;
            CREATE TEMP TABLE bench_orders AS
            WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < {orders}),
            base AS (
                SELECT n AS g, (SELECT coalesce(max("Id"), 0) FROM "Orders") + n AS id, {Hash("n", 0)} % 100 AS s, {Hash("n", 100000000)} AS h,
                       strftime('%Y-%m-%d %H:%M:%S', 1796083200 - ({Hash("n", 200000000)} % (3 * 365 * 86400)), 'unixepoch') AS at
                FROM g)
            SELECT b.*, CASE
                       WHEN s < 5 THEN 'Started' WHEN s < 8 THEN 'Deleted' WHEN s < 14 THEN 'Draft' WHEN s < 16 THEN 'InProgress'
                       WHEN s < 18 THEN 'ProvisioningStarted' WHEN s < 20 THEN 'ProvisioningFinished' WHEN s < 22 THEN 'ProvisioningFailed'
                       WHEN s < 23 THEN 'PendingApproval' WHEN s < 24 THEN 'Scheduled'
                       WHEN s < 90 THEN 'Completed' WHEN s < 96 THEN 'CompletedWithErrors' ELSE 'Failed' END AS status,
                   h % 25 = 0 AS markup_only, h % 2 = 0 AS two_items, h % 10 = 4 AS second_markup,
                   CASE WHEN g % {Generator.BigCustomerShare} <> 0 THEN (h / 7) % (SELECT count(*) FROM bench_customers) END AS cidx
            FROM base b;

            INSERT INTO "Orders" ("Id", "CustomerId", "Name", "Status", "CreatedAt", "PlacedAt", "Date", "UpdatedAt", "CreatedByUserId",
                "CreatedByName", "CreatedByOrganizationId", "CreatedByOrganizationName", "CreatedByOrganizationType", "Note",
                "PaymentMethod", "CardBrand", "CardLast4", "InvoiceContract", "Currency", "IsMarkupOnly", "Version",
                "ScheduledFor", "ApprovalRequestedAt", "ApprovalRule", "StatusChangedAt")
            SELECT o.id, coalesce(c.id, {Id(DemoData.Fabrikam)}),
                   CASE WHEN o.h % 20000 = 17 THEN 'Expansion {Generator.RareTerm} ' || o.g ELSE 'Order #' || strftime('%d-%m-%Y', o.at) END,
                   o.status, strftime('%Y-%m-%d %H:%M:%S', o.at, '-5 minutes'),
                   CASE WHEN o.status IN ('Started', 'Deleted', 'Draft') THEN NULL ELSE o.at END, o.at, o.at,
                   coalesce(c.user_id, u.id), coalesce(c.user_name, u.name), coalesce(c.seller_id, u.org_id), coalesce(c.seller_name, u.org_name),
                   CASE WHEN c.id IS NULL AND o.h % 3 = 1 THEN 'Customer' ELSE 'Seller' END,
                   CASE WHEN o.h % 4 = 1 THEN 'Renewal before the fiscal year ends, PO ' || o.g END,
                   CASE WHEN o.h % 3 = 0 THEN 'Card' ELSE 'Invoice' END, CASE WHEN o.h % 3 = 0 THEN 'Visa' END, CASE WHEN o.h % 3 = 0 THEN '4242' END,
                   'Standard', 'EUR', o.markup_only, 1,
                   CASE WHEN o.status = 'Scheduled' THEN strftime('%Y-%m-%d %H:%M:%S', 'now', '+' || (o.h % (30 * 24)) || ' hours') END,
                   CASE WHEN o.status = 'PendingApproval' THEN o.at END, CASE WHEN o.status = 'PendingApproval' THEN 'Bench approval rule' END,
                   o.at
            FROM bench_orders o
            LEFT JOIN bench_customers c ON c.idx = o.cidx
            JOIN bench_users u ON u.email = CASE WHEN o.h % 3 = 1 THEN 'customer.admin@fabrikam.example' ELSE 'seller.admin@contoso.example' END;
            COMMIT;
            """, "orders");

        const string kind = """
            CASE WHEN o.markup_only OR (p.p = 1 AND o.second_markup) THEN 'ChangeMarkup'
                 ELSE CASE (o.h / 3 + p.p) % 8 WHEN 3 THEN 'IncreaseQuantity' WHEN 4 THEN 'DecreaseQuantity' WHEN 5 THEN 'Suspend'
                      WHEN 6 THEN 'Reactivate' WHEN 7 THEN 'ChangeAutoRenew' ELSE 'NewSubscription' END END
            """;
        const string itemStatus = """
            CASE WHEN o.status = 'Completed' THEN 'ProvisioningFinished'
                 WHEN o.status IN ('Failed', 'ProvisioningFailed') THEN 'ProvisioningFailed'
                 WHEN o.status = 'CompletedWithErrors' THEN CASE WHEN p.p = 0 THEN 'ProvisioningFinished' ELSE 'ProvisioningFailed' END
                 WHEN o.status = 'ProvisioningFinished' THEN 'ProvisioningFinished'
                 WHEN o.status IN ('ProvisioningStarted', 'InProgress') THEN 'ProvisioningStarted'
                 ELSE 'Pending' END
            """;
        await Run($"""
            BEGIN;
            INSERT INTO "OrderItems" ("Id", "OrderId", "Position", "Kind", "OfferId", "OfferName", "VendorId", "VendorName", "SubscriptionId",
                "Quantity", "PreviousQuantity", "BillingCycle", "TermMonths", "AutoRenew", "MarkupPercent", "PreviousMarkupPercent",
                "MonthlyVendorCost", "DistributorMarkupPercent", "SellerMarkupPercent", "Currency", "Description", "ProvisioningStatus",
                "ErrorCode", "ErrorMessage", "ProvisioningAttempt")
            SELECT {Guid("o.id * 2 + p.p", 2)}, o.id, p.p, ({kind}), f.id,
                   {Generator.ItemOfferName("p.p")}, f.vendor_id, f.vendor_name,
                   CASE WHEN ({kind}) <> 'NewSubscription' THEN {Guid("o.id * 2 + p.p", 3)} END,
                   1 + o.h % 50, CASE WHEN ({kind}) IN ('IncreaseQuantity', 'DecreaseQuantity') THEN 10 END, 'Monthly', 12,
                   CASE WHEN ({kind}) = 'ChangeAutoRenew' THEN 0 END,
                   CASE WHEN ({kind}) IN ('ChangeMarkup', 'NewSubscription') THEN '25.0' END, CASE WHEN ({kind}) = 'ChangeMarkup' THEN '20.0' END,
                   f.cost, '10.0', '20.0', 'EUR',
                   CASE ({kind}) WHEN 'NewSubscription' THEN (1 + o.h % 50) || ' × ' || f.name WHEN 'ChangeMarkup' THEN 'Markup 20 % → 25 %: ' || f.name
                        ELSE ({kind}) || ': ' || f.name END,
                   ({itemStatus}),
                   CASE WHEN ({itemStatus}) = 'ProvisioningFailed' THEN 'VendorRejected' END,
                   CASE WHEN ({itemStatus}) = 'ProvisioningFailed' THEN 'The vendor rejected the change.' END, 0
            FROM bench_orders o
            JOIN (SELECT 0 AS p UNION ALL SELECT 1) p ON p.p = 0 OR o.two_items OR o.markup_only
            JOIN bench_offers f ON f.idx = (o.h / 11 + p.p * 5) % (SELECT count(*) FROM bench_offers);

            INSERT INTO "OrderEvents" ("OrderId", "At", "FromStatus", "ToStatus", "ActorUserId", "ActorName", "ActorOrganizationId",
                "ActorOrganizationName", "Reason", "ConcernsOnlyMarkup")
            SELECT o."Id", o."CreatedAt", NULL, 'Started', o."CreatedByUserId", o."CreatedByName", o."CreatedByOrganizationId",
                   o."CreatedByOrganizationName", '', o."IsMarkupOnly"
            FROM "Orders" o JOIN bench_orders b ON b.id = o."Id"
            UNION ALL
            SELECT o."Id", o."Date", 'Started', o."Status", NULL, NULL, NULL, NULL, CASE WHEN b.status = 'Deleted' THEN 'No longer needed' ELSE '' END, o."IsMarkupOnly"
            FROM "Orders" o JOIN bench_orders b ON b.id = o."Id" WHERE o."Status" <> 'Started';

            -- Subscriptions bought in the last 14 days: Needs attention lists the cancellation windows closing.
            INSERT INTO "Subscriptions" ("Id", "CustomerId", "OfferId", "Quantity", "BillingCycle", "TermMonths", "AutoRenew", "MarkupPercent",
                "Status", "StartDate", "RenewalDate", "RecentIncreases", "VendorSubscriptionId")
            SELECT {Guid("c.idx * 8 + k.k", 4)}, c.id, f.id, 1 + (c.idx + k.k) % 50, 'Monthly', 12, 1, '20.0', 'Active',
                   strftime('%Y-%m-%d %H:%M:%S', 'now', '-' || ((c.idx * 7 + k.k * 13) % (14 * 24)) || ' hours'),
                   strftime('%Y-%m-%d %H:%M:%S', 'now', '-' || ((c.idx * 7 + k.k * 13) % (14 * 24)) || ' hours', '+12 months'),
                   '', 'bench-' || c.idx || '-' || k.k
            FROM bench_customers c
            JOIN (WITH RECURSIVE n(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM n WHERE k + 1 < {Generator.SubscriptionsPerCustomer}) SELECT k FROM n) k
            JOIN bench_offers f ON f.idx = (c.idx + k.k * 3) % (SELECT count(*) FROM bench_offers);
            COMMIT;
            """, "items, events and subscriptions");
        // Needs attention's counts are kept by the app's saves; orders written here are counted once, set-based.
        await Run($"BEGIN; {Features.Workspace.AttentionTallies.RecountSql} COMMIT;", "attention tallies");
        await Run($"BEGIN; {SqliteOrderSearch.RefillSql} {CustomerOfferNames.RefillSql} {OrderOfferNames.SqliteRefillSql} {OrderItemListKeys.SqliteRefillSql} {string.Join(";\n", triggers)}; COMMIT; ANALYZE;",
            "search index");
        return watch.Elapsed.TotalSeconds;
    }
}
