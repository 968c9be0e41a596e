using System.Diagnostics;
using CloudMarket.Data;
using Npgsql;

namespace CloudMarket.Bench;

/// <summary>
/// The data set of quality.md, made with set-based SQL straight into the schema the app's migrations
/// created (after the app seeded its demo data, whose users sign in). Deterministic: every value is a
/// function of the row number (hashint8, md5), never of random().
/// </summary>
public static class Generator
{
    public const int Customers = 2000;
    /// <summary>One order in five belongs to Fabrikam: 200,000 of 1,000,000.</summary>
    public const int BigCustomerShare = 5;
    /// <summary>The rare search term: in about one order name in 20,000.</summary>
    public const string RareTerm = "zanzibar";
    /// <summary>The frequent search term: most items' offer names.</summary>
    public const string FrequentTerm = "microsoft 365";
    /// <summary>
    /// A term frequent on the platform but absent from Fabrikam's orders: the offer of one item in 400 of the other
    /// customers' orders (~2,000 items, over the search's lookup cap of 1,000), none of Fabrikam's (docs/performance.md, point 22).
    /// </summary>
    public const string ElsewhereTerm = "zulu cloud";
    public const string ElsewhereOffer = "Zulu Cloud Backup";
    /// <summary>
    /// Like <see cref="ElsewhereTerm"/>, but the offer of one item in 100 of the other customers' orders (~8,000 items, over
    /// the search's wider cap of 3,000 too, where the walk went on through all of Fabrikam's orders: performance.md point 24).
    /// </summary>
    public const string WidespreadElsewhereTerm = "yukon mail";
    public const string WidespreadElsewhereOffer = "Yukon Mail Archive";

    /// <summary>
    /// The offer name of a generated item (SQL, both generators): <see cref="ElsewhereOffer"/> for the first item of one
    /// in 400 of the other customers' orders, <see cref="WidespreadElsewhereOffer"/> for that of another one in 100, else the
    /// catalog offer's.
    /// </summary>
    public static string ItemOfferName(string position)
    {
        var othersFirstItem = $"o.cidx IS NOT NULL AND {position} = 0";
        return $"CASE WHEN {othersFirstItem} AND o.h % 400 = 7 THEN '{ElsewhereOffer}' "
               + $"WHEN {othersFirstItem} AND o.h % 100 = 13 THEN '{WidespreadElsewhereOffer}' ELSE f.name END";
    }
    /// <summary>Subscriptions of every generated customer, started over the last 14 days: some cancellation windows are closing (Needs attention).</summary>
    public const int SubscriptionsPerCustomer = 5;

    public static async Task<double> GenerateAsync(string connectionString, int orders)
    {
        var watch = Stopwatch.StartNew();
        await using var conn = new NpgsqlConnection(connectionString);
        await conn.OpenAsync();
        async Task Run(string sql, string what)
        {
            var step = Stopwatch.StartNew();
            await using var cmd = new NpgsqlCommand(sql, conn) { CommandTimeout = 0 };
            await cmd.ExecuteNonQueryAsync();
            Console.WriteLine($"  {what}: {step.Elapsed.TotalSeconds:0.0} s");
        }

        // Secondary indexes are dropped and rebuilt after the load (far cheaper than maintaining them
        // row by row); their definitions come from the migrations, so nothing here repeats them.
        var indexes = new List<(string Name, string Definition)>();
        await using (var cmd = new NpgsqlCommand("""
            SELECT indexname, indexdef FROM pg_indexes
            WHERE schemaname = 'public' AND tablename IN ('Orders', 'OrderItems', 'OrderEvents') AND indexname NOT LIKE 'PK_%'
            """, conn))
        await using (var reader = await cmd.ExecuteReaderAsync())
            while (await reader.ReadAsync()) indexes.Add((reader.GetString(0), reader.GetString(1)));

        await Run($"""
            SET synchronous_commit = off;
            -- Foreign-key triggers off for the load: every reference is made consistent by construction.
            SET session_replication_role = replica;
            {string.Join("\n", indexes.Select(i => $"DROP INDEX \"{i.Name}\";"))}

            INSERT INTO "Organizations" ("Id", "Name", "Type", "ParentId", "Country", "DistributorMarkupPercent", "DefaultSellerMarkupPercent")
            SELECT md5('bench-customer:' || g)::uuid, 'Bench Customer ' || lpad(g::text, 4, '0'), 'Customer',
                   CASE WHEN g % 2 = 0 THEN '{DemoData.Contoso}'::uuid ELSE '{DemoData.Litware}'::uuid END, 'DK', 0, 0
            FROM generate_series(1, {Customers} - (SELECT count(*) FROM "Organizations" WHERE "Type" = 'Customer')) g;

            -- Every customer but the big one, numbered; with the seller's admin who creates their orders.
            CREATE TEMP TABLE bench_customers AS
            SELECT row_number() OVER (ORDER BY c."Id") - 1 AS idx, c."Id" AS id, s."Id" AS seller_id, s."Name" AS seller_name,
                   u."Id" AS user_id, u."FirstName" || ' ' || u."LastName" AS user_name
            FROM "Organizations" c JOIN "Organizations" s ON s."Id" = c."ParentId"
            JOIN LATERAL (SELECT * FROM "AspNetUsers" x WHERE x."OrganizationId" = s."Id" AND x."Email" LIKE 'seller.admin@%' LIMIT 1) u ON true
            WHERE c."Type" = 'Customer' AND c."Id" <> '{DemoData.Fabrikam}';

            CREATE TEMP TABLE bench_offers AS
            SELECT row_number() OVER (ORDER BY o."Id") - 1 AS idx, o."Id" AS id, o."Name" AS name, o."VendorId" AS vendor_id,
                   v."Name" AS vendor_name, o."MonthlyVendorCost" AS cost
            FROM "Offers" o JOIN "Vendors" v ON v."Id" = o."VendorId" WHERE o."AddonFor" = '';
            """, "customers");

        await Run($"""
            SET synchronous_commit = off;
            SET session_replication_role = replica;
            CREATE TEMP TABLE bench_orders AS
            WITH base AS (
                SELECT g, (SELECT coalesce(max("Id"), 0) FROM "Orders") + g AS id,
                       (hashint8(g) & 2147483647) % 100 AS s,
                       (hashint8(g + 100000000) & 2147483647) AS h,
                       timestamptz '2026-12-01 00:00:00+00' - ((hashint8(g + 200000000) & 2147483647) % (3 * 365 * 86400)) * interval '1 second'
                           - (g % 1000) * interval '1 millisecond' AS at
                FROM generate_series(1, {orders}) g)
            SELECT b.*, CASE
                       WHEN s < 5 THEN 'Started' WHEN s < 8 THEN 'Deleted' WHEN s < 14 THEN 'Draft' WHEN s < 16 THEN 'InProgress'
                       WHEN s < 18 THEN 'ProvisioningStarted' WHEN s < 20 THEN 'ProvisioningFinished' WHEN s < 22 THEN 'ProvisioningFailed'
                       WHEN s < 23 THEN 'PendingApproval' WHEN s < 24 THEN 'Scheduled'
                       WHEN s < 90 THEN 'Completed' WHEN s < 96 THEN 'CompletedWithErrors' ELSE 'Failed' END AS status,
                   h % 25 = 0 AS markup_only,   -- 4 % of orders are markup changes only
                   h % 2 = 0 AS two_items,       -- 1.5 items per order
                   h % 10 = 4 AS second_markup,  -- and a markup change beside another item in 10 %
                   c.idx AS cidx
            FROM base b
            LEFT JOIN bench_customers c ON b.g % {BigCustomerShare} <> 0 AND c.idx = (b.h / 7) % (SELECT count(*) FROM bench_customers);
            """, "order plan");

        await Run($"""
            SET synchronous_commit = off;
            SET session_replication_role = replica;
            INSERT INTO "OrderItems" ("Id", "OrderId", "Position", "Kind", "OfferId", "OfferName", "VendorId", "VendorName", "SubscriptionId",
                "Quantity", "PreviousQuantity", "BillingCycle", "TermMonths", "AutoRenew", "MarkupPercent", "PreviousMarkupPercent",
                "MonthlyVendorCost", "DistributorMarkupPercent", "SellerMarkupPercent", "Currency", "Description", "ProvisioningStatus",
                "ErrorCode", "ErrorMessage", "ProvisioningAttempt", "CustomerId", "OrderDate")
            SELECT md5(o.id || ':' || p)::uuid, o.id, p, k.kind, f.id,
                   {ItemOfferName("p")}, f.vendor_id, f.vendor_name,
                   CASE WHEN k.kind <> 'NewSubscription' THEN md5('sub:' || o.id || ':' || p)::uuid END,
                   1 + o.h % 50, CASE WHEN k.kind IN ('IncreaseQuantity', 'DecreaseQuantity') THEN 10 END, 'Monthly', 12,
                   CASE WHEN k.kind = 'ChangeAutoRenew' THEN false END,
                   CASE WHEN k.kind IN ('ChangeMarkup', 'NewSubscription') THEN 25 END, CASE WHEN k.kind = 'ChangeMarkup' THEN 20 END,
                   f.cost, 10, 20, 'EUR',
                   CASE k.kind WHEN 'NewSubscription' THEN (1 + o.h % 50) || ' × ' || f.name WHEN 'ChangeMarkup' THEN 'Markup 20 % → 25 %: ' || f.name
                        ELSE k.kind || ': ' || f.name END,
                   st.item_status,
                   CASE WHEN st.item_status = 'ProvisioningFailed' THEN 'VendorRejected' END,
                   CASE WHEN st.item_status = 'ProvisioningFailed' THEN 'The vendor rejected the change.' END, 0,
                   -- The order's customer and date, as the app's trigger would have copied them (OrderItemListKeys).
                   coalesce(c.id, '{DemoData.Fabrikam}'), o.at
            FROM bench_orders o
            LEFT JOIN bench_customers c ON c.idx = o.cidx
            CROSS JOIN LATERAL generate_series(0, CASE WHEN o.two_items OR o.markup_only THEN 1 ELSE 0 END) p
            CROSS JOIN LATERAL (SELECT CASE
                WHEN o.markup_only OR (p = 1 AND o.second_markup) THEN 'ChangeMarkup'
                ELSE (ARRAY['NewSubscription', 'NewSubscription', 'NewSubscription', 'IncreaseQuantity', 'DecreaseQuantity', 'Suspend',
                            'Reactivate', 'ChangeAutoRenew'])[1 + (o.h / 3 + p) % 8] END AS kind) k
            JOIN bench_offers f ON f.idx = (o.h / 11 + p * 5) % (SELECT count(*) FROM bench_offers)
            CROSS JOIN LATERAL (SELECT CASE
                WHEN o.status = 'Completed' THEN 'ProvisioningFinished'
                WHEN o.status IN ('Failed', 'ProvisioningFailed') THEN 'ProvisioningFailed'
                WHEN o.status = 'CompletedWithErrors' THEN CASE WHEN p = 0 THEN 'ProvisioningFinished' ELSE 'ProvisioningFailed' END
                WHEN o.status = 'ProvisioningFinished' THEN 'ProvisioningFinished'
                WHEN o.status IN ('ProvisioningStarted', 'InProgress') THEN 'ProvisioningStarted'
                ELSE 'Pending' END AS item_status) st;
            """, "items");

        await Run($"""
            SET synchronous_commit = off;
            SET session_replication_role = replica;
            INSERT INTO "Orders" ("Id", "CustomerId", "Name", "Status", "CreatedAt", "PlacedAt", "Date", "UpdatedAt", "CreatedByUserId",
                "CreatedByName", "CreatedByOrganizationId", "CreatedByOrganizationName", "CreatedByOrganizationType", "Note",
                "PaymentMethod", "CardBrand", "CardLast4", "InvoiceContract", "Currency", "IsMarkupOnly", "Version",
                "ScheduledFor", "ApprovalRequestedAt", "ApprovalRule", "StatusChangedAt", "VisibleOfferNames", "MarkupOfferNames")
            SELECT o.id, coalesce(c.id, '{DemoData.Fabrikam}'),
                   CASE WHEN o.h % 20000 = 17 THEN 'Expansion {RareTerm} ' || o.g ELSE 'Order #' || to_char(o.at, 'DD-MM-YYYY') END,
                   o.status, o.at - interval '5 minutes',
                   CASE WHEN o.status IN ('Started', 'Deleted', 'Draft') THEN NULL ELSE o.at END, o.at, o.at,
                   coalesce(c.user_id, fab.user_id), coalesce(c.user_name, fab.user_name), coalesce(c.seller_id, fab.org_id),
                   coalesce(c.seller_name, fab.org_name), coalesce2.type,
                   CASE WHEN o.h % 4 = 1 THEN 'Renewal before the fiscal year ends, PO ' || o.g END,
                   CASE WHEN o.h % 3 = 0 THEN 'Card' ELSE 'Invoice' END,
                   CASE WHEN o.h % 3 = 0 THEN 'Visa' END, CASE WHEN o.h % 3 = 0 THEN '4242' END,
                   'Standard', 'EUR', o.markup_only, 1,
                   -- Needs attention reads these: scheduled orders due in the next 30 days (relative to the run), approvals waiting.
                   CASE WHEN o.status = 'Scheduled' THEN now() + (o.h % (30 * 24)) * interval '1 hour' END,
                   CASE WHEN o.status = 'PendingApproval' THEN o.at END, CASE WHEN o.status = 'PendingApproval' THEN 'Bench approval rule' END,
                   -- The last transition is at the order's moment (its events are generated at it too).
                   o.at, n."VisibleOfferNames", n."MarkupOfferNames"
            FROM bench_orders o
            -- The items are written first (their foreign key is off with the triggers), so that each order carries its items' names
            -- as the app's trigger would have written them (OrderOfferNames): one pass, instead of rewriting every order after.
            JOIN (SELECT i."OrderId", {Features.Orders.OrderOfferNames.PostgresAggregates} FROM "OrderItems" i
                  WHERE i."OrderId" >= (SELECT min(id) FROM bench_orders) GROUP BY i."OrderId") n ON n."OrderId" = o.id
            LEFT JOIN bench_customers c ON c.idx = o.cidx
            CROSS JOIN LATERAL (
                -- Fabrikam's orders: a third by its own admin, the rest by Contoso's.
                SELECT u."Id" AS user_id, u."FirstName" || ' ' || u."LastName" AS user_name, org."Id" AS org_id, org."Name" AS org_name
                FROM "AspNetUsers" u JOIN "Organizations" org ON org."Id" = u."OrganizationId"
                WHERE u."Email" = CASE WHEN o.h % 3 = 1 THEN 'customer.admin@fabrikam.example' ELSE 'seller.admin@contoso.example' END) fab
            CROSS JOIN LATERAL (SELECT CASE WHEN c.id IS NULL AND o.h % 3 = 1 THEN 'Customer' ELSE 'Seller' END AS type) coalesce2;
            """, "orders");

        await Run($"""
            SET synchronous_commit = off;
            SET session_replication_role = replica;
            INSERT INTO "OrderEvents" ("OrderId", "At", "FromStatus", "ToStatus", "ActorUserId", "ActorName", "ActorOrganizationId",
                "ActorOrganizationName", "Reason", "ConcernsOnlyMarkup")
            SELECT o."Id", o."CreatedAt", NULL, 'Started', o."CreatedByUserId", o."CreatedByName", o."CreatedByOrganizationId",
                   o."CreatedByOrganizationName", '', o."IsMarkupOnly"
            FROM "Orders" o JOIN bench_orders b ON b.id = o."Id"
            UNION ALL
            SELECT o."Id", o."Date", 'Started', o."Status", CASE WHEN b.status LIKE 'Provisioning%' OR b.status LIKE 'Completed%' OR b.status = 'Failed' THEN NULL ELSE o."CreatedByUserId" END,
                   CASE WHEN b.status LIKE 'Provisioning%' OR b.status LIKE 'Completed%' OR b.status = 'Failed' THEN NULL ELSE o."CreatedByName" END,
                   NULL, NULL, CASE WHEN b.status = 'Deleted' THEN 'No longer needed' ELSE '' END, o."IsMarkupOnly"
            FROM "Orders" o JOIN bench_orders b ON b.id = o."Id" WHERE o."Status" <> 'Started';
            SELECT setval(pg_get_serial_sequence('"Orders"', 'Id'), (SELECT max("Id") FROM "Orders"));
            """, "events");

        await Run($"""
            SET synchronous_commit = off;
            SET session_replication_role = replica;
            -- Subscriptions bought in the last 14 days: Needs attention lists the cancellation windows closing.
            INSERT INTO "Subscriptions" ("Id", "CustomerId", "OfferId", "Quantity", "BillingCycle", "TermMonths", "AutoRenew", "MarkupPercent",
                "Status", "StartDate", "RenewalDate", "RecentIncreases", "VendorSubscriptionId")
            SELECT md5('bench-sub:' || c.idx || ':' || k)::uuid, c.id, f.id, 1 + (c.idx + k) % 50, 'Monthly', 12, true, 20, 'Active', t.start,
                   t.start + interval '12 months', '', 'bench-' || c.idx || '-' || k
            FROM bench_customers c CROSS JOIN generate_series(0, {SubscriptionsPerCustomer} - 1) k
            JOIN bench_offers f ON f.idx = (c.idx + k * 3) % (SELECT count(*) FROM bench_offers)
            CROSS JOIN LATERAL (SELECT date_trunc('second', now()) - ((c.idx * 7 + k * 13) % (14 * 24)) * interval '1 hour' AS start) t;
            """, "subscriptions");

        // Needs attention's counts are kept by the app's saves; orders written here are counted once, set-based.
        await Run(Features.Workspace.AttentionTallies.RecountSql, "attention tallies");
        // The items were written with the triggers off (session_replication_role), that of CustomerOfferNames too.
        await Run(Features.Orders.CustomerOfferNames.RefillSql, "customer offer names");

        await Run($"""
            SET maintenance_work_mem = '256MB';
            {string.Join("\n", indexes.Select(i => i.Definition + ";"))}
            """, "indexes");
        // VACUUM must run alone (outside a transaction); it also sets the visibility map index-only scans need.
        await Run("""VACUUM (ANALYZE) "Orders", "OrderItems", "OrderEvents", "Organizations", "Subscriptions", "AttentionTallies", "AttentionTallyChanges" """, "statistics");
        return watch.Elapsed.TotalSeconds;
    }
}
