using System.Security.Cryptography;
using System.Text;
using CloudMarket.Features.Catalog;
using CloudMarket.Features.Identity;
using CloudMarket.Features.Orders;
using CloudMarket.Features.Provisioning;
using CloudMarket.Features.Organizations;
using CloudMarket.Features.Subscriptions;
using CloudMarket.Infrastructure;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace CloudMarket.Data;

/// <summary>
/// The demo data of api.md, seeded into an empty database unless Demo:Seed is false.
/// Ids are derived from names so every fresh database has the same ones.
/// </summary>
public sealed class DemoData(AppDbContext db, UserManager<AppUser> users, RoleManager<IdentityRole<Guid>> roles,
    IOptions<DemoOptions> options, TimeProvider clock, ILogger<DemoData> logger)
{
    public static readonly Guid Northwind = IdFor("org:northwind");
    public static readonly Guid Contoso = IdFor("org:contoso");
    public static readonly Guid Litware = IdFor("org:litware");
    public static readonly Guid Fabrikam = IdFor("org:fabrikam");
    public static readonly Guid Tailspin = IdFor("org:tailspin");
    public static readonly Guid Wingtip = IdFor("org:wingtip");
    public static readonly Guid Adatum = IdFor("org:adatum");
    public static readonly Guid Woodgrove = IdFor("org:woodgrove");
    public static readonly Guid Proseware = IdFor("org:proseware");

    /// <summary>The demo users of api.md: e-mail, first and last name, organization, role.</summary>
    public static readonly IReadOnlyList<(string Email, string First, string Last, Guid Org, Role Role)> Users =
    [
        ("distributor.admin@northwind.example", "Nora", "Lindqvist", Northwind, Role.DistributorAdmin),
        ("distributor.readonly@northwind.example", "Reid", "Olsen", Northwind, Role.DistributorReadOnly),
        ("seller.admin@contoso.example", "Anna", "Berg", Contoso, Role.SellerAdmin),
        ("account.manager@contoso.example", "Marco", "Rossi", Contoso, Role.AccountManager),
        ("subscriptions.manager@contoso.example", "Sofia", "Nakamura", Contoso, Role.SubscriptionsManager),
        ("support.agent@contoso.example", "Sam", "Patel", Contoso, Role.SupportAgent),
        ("seller.admin@litware.example", "Liam", "Walsh", Litware, Role.SellerAdmin),
        ("customer.admin@fabrikam.example", "Ida", "Lund", Fabrikam, Role.CustomerAdmin),
        ("customer@fabrikam.example", "Felix", "Kohl", Fabrikam, Role.Customer),
        ("billing.admin@fabrikam.example", "Bea", "Moreau", Fabrikam, Role.CustomerBillingAdmin),
        ("customer.admin@tailspin.example", "Tom", "Hale", Tailspin, Role.CustomerAdmin),
        ("customer.admin@adatum.example", "Ada", "Quinn", Adatum, Role.CustomerAdmin),
    ];

    public static Guid IdFor(string name) => new(MD5.HashData(Encoding.UTF8.GetBytes("cloudmarket-demo:" + name)));

    public async Task SeedIfEmptyAsync()
    {
        if (!options.Value.Seed || await db.Organizations.AnyAsync())
            return;
        var now = clock.GetUtcNow().UtcDateTime;
        SeedOrganizations();
        SeedCatalog();
        await db.SaveChangesAsync();
        await SeedUsersAsync();
        var subscriptions = SeedSubscriptions(now);
        await db.SaveChangesAsync();
        await SeedOrdersAsync(subscriptions, now);
        logger.LogInformation("Seeded the demo data: {Users} demo users with their organizations, subscriptions and orders.", Users.Count);
    }

    private void SeedOrganizations()
    {
        db.Organizations.AddRange(
            new Organization(Northwind, "Northwind Distribution", OrganizationType.Distributor, null, "DK"),
            new Organization(Contoso, "Contoso Cloud", OrganizationType.Seller, Northwind, "DK", distributorMarkupPercent: 10m, defaultSellerMarkupPercent: 20m),
            new Organization(Litware, "Litware Solutions", OrganizationType.Seller, Northwind, "SE", distributorMarkupPercent: 8m, defaultSellerMarkupPercent: 15m),
            new Organization(Fabrikam, "Fabrikam Ltd", OrganizationType.Customer, Contoso, "DK"),
            new Organization(Tailspin, "Tailspin Toys", OrganizationType.Customer, Contoso, "DK"),
            new Organization(Wingtip, "Wingtip Toys", OrganizationType.Customer, Contoso, "NO"),
            new Organization(Adatum, "Adatum Corp", OrganizationType.Customer, Litware, "SE"),
            new Organization(Woodgrove, "Woodgrove Bank", OrganizationType.Customer, Litware, "SE"),
            new Organization(Proseware, "Proseware Inc", OrganizationType.Customer, Litware, "FI"));
    }

    public static class OfferIds
    {
        public const string BusinessBasic = "ms-365-business-basic";
        public const string BusinessStandard = "ms-365-business-standard";
        public const string BusinessPremium = "ms-365-business-premium";
        public const string E3 = "ms-365-e3";
        public const string ExchangePlan1 = "ms-exchange-online-plan-1";
        public const string TeamsAudio = "ms-teams-audio-conferencing";
        public const string DefenderP1 = "ms-defender-office-365-p1";
        public const string AcronisProtect = "acronis-cyber-protect-standard";
        public const string AcronisStorage = "acronis-cloud-storage-250gb";
        public const string BitdefenderBusiness = "bitdefender-gravityzone-business";
        public const string BitdefenderEmail = "bitdefender-email-security";
    }

    private void SeedCatalog()
    {
        db.Vendors.AddRange(CreateVendors());
        db.Offers.AddRange(CreateOffers());
    }

    public static IReadOnlyList<Vendor> CreateVendors() =>
    [
        new Vendor("microsoft", "Microsoft", VendorApi.Microsoft),
        new Vendor("acronis", "Acronis", VendorApi.Generic),
        new Vendor("bitdefender", "Bitdefender", VendorApi.Generic),
    ];

    /// <summary>Microsoft new commerce takes licences back only within 7 days of the purchase or a renewal.</summary>
    public const int MicrosoftCancellationWindowHours = 168;

    /// <summary>
    /// The demo catalog: what the vendor sandbox's vendors sell (its own list, <c>SandboxProducts</c>), with the same
    /// quantity limits, terms, suspension rules and cancellation windows; VendorSandboxTests holds the two equal.
    /// </summary>
    public static IReadOnlyList<Offer> CreateOffers() =>
    [
        new Offer(OfferIds.BusinessBasic, "microsoft", "Microsoft 365 Business Basic", 5.00m, "EUR", 1, 300, 12, true, true,
            cancellationWindowHours: MicrosoftCancellationWindowHours),
        new Offer(OfferIds.BusinessStandard, "microsoft", "Microsoft 365 Business Standard", 10.50m, "EUR", 1, 300, 12, true, true,
            cancellationWindowHours: MicrosoftCancellationWindowHours),
        new Offer(OfferIds.BusinessPremium, "microsoft", "Microsoft 365 Business Premium", 18.70m, "EUR", 1, 300, 12, true, true,
            cancellationWindowHours: MicrosoftCancellationWindowHours),
        new Offer(OfferIds.E3, "microsoft", "Microsoft 365 E3", 30.00m, "EUR", 1, 10000, 12, true, true,
            cancellationWindowHours: MicrosoftCancellationWindowHours),
        new Offer(OfferIds.ExchangePlan1, "microsoft", "Exchange Online (Plan 1)", 3.60m, "EUR", 1, 10000, 12, true, true,
            cancellationWindowHours: MicrosoftCancellationWindowHours),
        new Offer(OfferIds.TeamsAudio, "microsoft", "Microsoft Teams Audio Conferencing", 3.20m, "EUR", 1, 10000, 12, true, true,
            [OfferIds.BusinessStandard, OfferIds.BusinessPremium, OfferIds.E3], MicrosoftCancellationWindowHours),
        new Offer(OfferIds.DefenderP1, "microsoft", "Microsoft Defender for Office 365 (Plan 1)", 1.70m, "EUR", 1, 300, 12, true, true,
            [OfferIds.BusinessBasic, OfferIds.BusinessStandard, OfferIds.ExchangePlan1], MicrosoftCancellationWindowHours),
        new Offer(OfferIds.AcronisProtect, "acronis", "Acronis Cyber Protect Standard", 6.25m, "EUR", 1, 1000, 1, false, true),
        new Offer(OfferIds.AcronisStorage, "acronis", "Acronis Cloud Storage 250 GB", 12.00m, "EUR", 1, 100, 1, false, true,
            [OfferIds.AcronisProtect]),
        new Offer(OfferIds.BitdefenderBusiness, "bitdefender", "Bitdefender GravityZone Business Security", 2.15m, "EUR", 3, 3000, 12, true, false),
        new Offer(OfferIds.BitdefenderEmail, "bitdefender", "Bitdefender GravityZone Email Security", 1.10m, "EUR", 3, 3000, 12, true, false,
            [OfferIds.BitdefenderBusiness]),
    ];

    private async Task SeedUsersAsync()
    {
        foreach (var role in Enum.GetValues<Role>())
            await Check(roles.CreateAsync(new IdentityRole<Guid>(role.ToString()) { Id = IdFor("role:" + role) }));
        foreach (var (email, first, last, org, role) in Users)
        {
            var user = new AppUser
            {
                Id = IdFor("user:" + email), UserName = email, Email = email, EmailConfirmed = true,
                FirstName = first, LastName = last, OrganizationId = org, LockoutEnabled = true,
            };
            // Validated at start: Demo:Seed needs a Demo:Password.
            await Check(users.CreateAsync(user, options.Value.Password!));
            await Check(users.AddToRoleAsync(user, role.ToString()));
        }
    }

    private static async Task Check(Task<IdentityResult> result)
    {
        var r = await result;
        if (!r.Succeeded)
            throw new InvalidOperationException("Seeding the demo data failed: " + string.Join("; ", r.Errors.Select(e => e.Description)));
    }

    public static class SubscriptionIds
    {
        public static readonly Guid FabrikamE3 = IdFor("sub:fabrikam:e3");
        public static readonly Guid FabrikamExchange = IdFor("sub:fabrikam:exchange");
        public static readonly Guid FabrikamTeamsAudio = IdFor("sub:fabrikam:teams-audio");
        public static readonly Guid FabrikamAcronis = IdFor("sub:fabrikam:acronis");
        public static readonly Guid FabrikamBitdefender = IdFor("sub:fabrikam:bitdefender");
        public static readonly Guid TailspinStandard = IdFor("sub:tailspin:standard");
        public static readonly Guid TailspinAcronis = IdFor("sub:tailspin:acronis");
        public static readonly Guid WingtipBasic = IdFor("sub:wingtip:basic");
        public static readonly Guid AdatumPremium = IdFor("sub:adatum:premium");
        public static readonly Guid AdatumBitdefender = IdFor("sub:adatum:bitdefender");
        public static readonly Guid WoodgroveE3 = IdFor("sub:woodgrove:e3");
        public static readonly Guid ProsewareAcronis = IdFor("sub:proseware:acronis");
    }

    private Dictionary<Guid, Subscription> SeedSubscriptions(DateTime now)
    {
        var subs = CreateSubscriptions(db.Offers.Local.ToDictionary(o => o.Id), now);
        db.Subscriptions.AddRange(subs);
        db.CustomerTenants.AddRange(CreateTenants(subs));
        return subs.ToDictionary(s => s.Id);
    }

    /// <summary>How long ago the demo orders that created subscriptions were placed (the subscriptions start when they were applied).</summary>
    private static class Ago
    {
        public static readonly TimeSpan FabrikamE3Order = TimeSpan.FromDays(60);
        public static readonly TimeSpan FabrikamExchangeOrder = TimeSpan.FromDays(45);
        public static readonly TimeSpan TailspinStandardOrder = TimeSpan.FromDays(40);
    }

    /// <summary>
    /// The demo customers' subscriptions as they are today, dated relative to <paramref name="now"/>:
    /// those a demo order created start when that order was applied; the others were bought earlier
    /// and renewed at the end of every term since, so every renewal date is ahead. Two Microsoft
    /// subscriptions renewed a few days ago (Wingtip's Business Basic, Adatum's Business Premium): their
    /// cancellation window is open; the others' is closed. The vendor sandbox knows them too, as the
    /// vendor would (e.g. to refuse decreasing them outside the cancellation window).
    /// </summary>
    public static IReadOnlyList<Subscription> CreateSubscriptions(IReadOnlyDictionary<string, Offer> offers, DateTime now)
    {
        var day = TimeSpan.FromDays(1);
        DateTime RenewedAgo(double days) => (now - days * day).AddMonths(-12);
        Subscription Sub(Guid id, Guid customer, string offer, int qty, BillingCycle cycle, decimal markup, string? tenant,
            (string Email, string First, string Last) admin, DateTime start, Guid? parent = null, bool autoRenew = true)
        {
            var s = new Subscription(id, customer, offers[offer], qty, cycle, autoRenew, start, markup, new AdminContact(admin.Email, admin.First, admin.Last), tenant, parent);
            while (s.RenewalDate <= now)
                s.RecordRenewal();
            return s;
        }

        var fabrikamAdmin = ("it@fabrikam.example", "Ida", "Lund");
        var e3Bought = now - Ago.FabrikamE3Order + TimeSpan.FromMinutes(9);            // when its order completed
        var exchangeBought = now - Ago.FabrikamExchangeOrder + TimeSpan.FromHours(3);   // when its order was closed with the item applied
        var tailspinBought = now - Ago.TailspinStandardOrder + TimeSpan.FromMinutes(4);
        var subs = new List<Subscription>
        {
            // Bought at Contoso's default markup of 20 %; the completed "Markup review Q3" set 15 %.
            Sub(SubscriptionIds.FabrikamE3, Fabrikam, OfferIds.E3, 10, BillingCycle.Monthly, 15m, "fabrikam.onmicrosoft.com", fabrikamAdmin, e3Bought),
            Sub(SubscriptionIds.FabrikamExchange, Fabrikam, OfferIds.ExchangePlan1, 5, BillingCycle.Annual, 20m, "fabrikam.onmicrosoft.com", fabrikamAdmin, exchangeBought),
            Sub(SubscriptionIds.FabrikamTeamsAudio, Fabrikam, OfferIds.TeamsAudio, 10, BillingCycle.Monthly, 20m, "fabrikam.onmicrosoft.com", fabrikamAdmin, e3Bought, SubscriptionIds.FabrikamE3),
            Sub(SubscriptionIds.FabrikamAcronis, Fabrikam, OfferIds.AcronisProtect, 25, BillingCycle.Monthly, 20m, null, fabrikamAdmin, now - 400 * day),
            Sub(SubscriptionIds.FabrikamBitdefender, Fabrikam, OfferIds.BitdefenderBusiness, 40, BillingCycle.Annual, 25m, null, fabrikamAdmin, now - 200 * day, autoRenew: false),
            Sub(SubscriptionIds.TailspinStandard, Tailspin, OfferIds.BusinessStandard, 15, BillingCycle.Monthly, 20m, "tailspintoys.onmicrosoft.com", ("admin@tailspin.example", "Tom", "Hale"), tailspinBought),
            Sub(SubscriptionIds.TailspinAcronis, Tailspin, OfferIds.AcronisProtect, 8, BillingCycle.Monthly, 20m, null, ("admin@tailspin.example", "Tom", "Hale"), now - 250 * day),
            Sub(SubscriptionIds.WingtipBasic, Wingtip, OfferIds.BusinessBasic, 30, BillingCycle.Monthly, 18m, "wingtiptoys.onmicrosoft.com", ("it@wingtip.example", "Wes", "Berg"), RenewedAgo(2)),
            // 30 licences since the completed increase of 12 days ago; renewed 5 days ago.
            Sub(SubscriptionIds.AdatumPremium, Adatum, OfferIds.BusinessPremium, 30, BillingCycle.Annual, 15m, "adatum.onmicrosoft.com", ("it@adatum.example", "Ada", "Quinn"), RenewedAgo(5)),
            Sub(SubscriptionIds.AdatumBitdefender, Adatum, OfferIds.BitdefenderBusiness, 30, BillingCycle.Monthly, 15m, null, ("it@adatum.example", "Ada", "Quinn"), now - 150 * day),
            // Renewed 100 days ago; the completed order of 6 days ago turned auto-renewal off.
            Sub(SubscriptionIds.WoodgroveE3, Woodgrove, OfferIds.E3, 120, BillingCycle.Annual, 10m, "woodgrovebank.onmicrosoft.com", ("it@woodgrove.example", "Wanda", "Gray"), RenewedAgo(100), autoRenew: false),
            Sub(SubscriptionIds.ProsewareAcronis, Proseware, OfferIds.AcronisProtect, 12, BillingCycle.Monthly, 15m, null, ("it@proseware.example", "Pia", "Virtanen"), now - 90 * day),
        };
        subs.Single(s => s.Id == SubscriptionIds.FabrikamAcronis).Suspend();
        return subs;
    }

    /// <summary>Each Microsoft tenant of the demo subscriptions, recorded for the one customer whose subscriptions live in it.</summary>
    public static IReadOnlyList<CustomerTenant> CreateTenants(IEnumerable<Subscription> subscriptions) =>
        subscriptions.Where(s => s.TenantName is not null)
            .GroupBy(s => CustomerTenant.Normalize(s.TenantName!))
            .Select(g => new CustomerTenant(g.Key, g.Select(x => x.CustomerId).Distinct().Single(), g.Min(x => x.StartDate)))
            .ToList();

    private async Task SeedOrdersAsync(Dictionary<Guid, Subscription> subs, DateTime now)
    {
        var orgs = await db.Organizations.ToDictionaryAsync(o => o.Id);
        var offers = await db.Offers.Include(o => o.Vendor).ToDictionaryAsync(o => o.Id);
        var people = await db.Users.ToDictionaryAsync(u => u.Email!);

        EventActor Actor(string email)
        {
            var u = people[email];
            return new EventActor(u.Id, u.FullName, u.OrganizationId, orgs[u.OrganizationId].Name);
        }

        ItemSpec Spec(OrderItemKind kind, Guid customer, string? offerId = null, Guid? subscriptionId = null, int? quantity = null,
            AdminContact? contact = null, string? tenant = null, bool? autoRenew = null, decimal? markup = null,
            (string, int)[]? addons = null, BillingCycle cycle = BillingCycle.Monthly)
        {
            var sub = subscriptionId is { } sid ? subs[sid] : null;
            var offer = offers[offerId ?? sub!.OfferId];
            var seller = orgs[orgs[customer].ParentId!.Value];
            return new ItemSpec(kind, offer, sub, quantity, sub?.BillingCycle ?? cycle,
                (addons ?? []).Select(a => (offers[a.Item1], a.Item2)).ToList(), contact, tenant, autoRenew, markup,
                seller.DistributorMarkupPercent, sub?.MarkupPercent ?? seller.DefaultSellerMarkupPercent);
        }

        var anna = Actor("seller.admin@contoso.example");
        var marco = Actor("account.manager@contoso.example");
        var ida = Actor("customer.admin@fabrikam.example");
        var felix = Actor("customer@fabrikam.example");
        var tom = Actor("customer.admin@tailspin.example");
        var liam = Actor("seller.admin@litware.example");
        var ada = Actor("customer.admin@adatum.example");
        var fabrikamIt = new AdminContact("it@fabrikam.example", "Ida", "Lund");
        var day = TimeSpan.FromDays(1);
        var orders = new List<Order>();

        Order Cart(Guid customer, EventActor who, DateTime at, string? name = null)
        {
            var o = Order.CreateCart(orgs[customer], who, orgs[who.OrganizationId].Type, name, at);
            orders.Add(o);
            return o;
        }

        void Provision(Order o, DateTime at, params (bool Ok, string? Code, string? Message)[] answers)
        {
            o.StartProvisioning(at);
            for (var i = 0; i < o.Items.Count; i++)
            {
                var (ok, code, message) = i < answers.Length ? answers[i] : (true, null, null);
                if (ok) o.RecordItemProvisioned(o.Items[i].Id, $"demo-{o.Items[i].Id:N}", at.AddMinutes(2));
                else o.RecordItemRejected(o.Items[i].Id, code!, message!, at.AddMinutes(2));
            }
        }

        // Fabrikam: every status, a markup-only order and one mixing markup with a quantity change. The
        // subscriptions are in today's state (CreateSubscriptions); an order that changed one sees it as
        // it was before, and its completion applies the change, as OrderCompletion does.
        var e3 = subs[SubscriptionIds.FabrikamE3];
        var t = now - Ago.FabrikamE3Order;
        var o1 = Cart(Fabrikam, anna, t);
        o1.AddItem(Spec(OrderItemKind.NewSubscription, Fabrikam, OfferIds.E3, quantity: 10, contact: fabrikamIt, tenant: "fabrikam.onmicrosoft.com",
            addons: [(OfferIds.TeamsAudio, 10)]), anna, t);
        o1.Place(anna, t.AddMinutes(5));
        Provision(o1, t.AddMinutes(6));
        o1.Complete(t.AddMinutes(9));
        o1.Items[0].LinkSubscription(SubscriptionIds.FabrikamE3); // as completing it does: the order that created the subscription
        o1.SetNote("PO 4471", anna, t.AddMinutes(10));

        t = now - Ago.FabrikamExchangeOrder;
        var o2 = Cart(Fabrikam, ida, t);
        o2.AddItem(Spec(OrderItemKind.NewSubscription, Fabrikam, OfferIds.ExchangePlan1, quantity: 5, contact: fabrikamIt,
            tenant: "fabrikam.onmicrosoft.com", cycle: BillingCycle.Annual), ida, t);
        o2.AddItem(Spec(OrderItemKind.NewSubscription, Fabrikam, OfferIds.BusinessPremium, quantity: 3, contact: new AdminContact("it@fabrikam", "Ida", "Lund"),
            tenant: "fabrikam.onmicrosoft.com"), ida, t);
        o2.Place(ida, t.AddMinutes(3));
        Provision(o2, t.AddMinutes(4), (true, null, null), (false, "InvalidAdminEmail", "The admin e-mail address 'it@fabrikam' is not a valid e-mail address."));
        o2.Close(ida, t.AddHours(3));
        o2.Items[0].LinkSubscription(SubscriptionIds.FabrikamExchange);

        t = now - 30 * day;
        var o3 = Cart(Fabrikam, marco, t, "Markup review Q3");
        e3.SetMarkup(20m); // as bought
        o3.AddItem(Spec(OrderItemKind.ChangeMarkup, Fabrikam, subscriptionId: SubscriptionIds.FabrikamE3, markup: 15m), marco, t);
        o3.Place(marco, t.AddMinutes(1));
        Provision(o3, t.AddMinutes(2));
        o3.Complete(t.AddMinutes(3));
        e3.SetMarkup(15m);

        t = now - 20 * day;
        var o4 = Cart(Fabrikam, anna, t);
        o4.AddItem(Spec(OrderItemKind.ChangeMarkup, Fabrikam, subscriptionId: SubscriptionIds.FabrikamExchange, markup: 25m), anna, t);
        o4.AddItem(Spec(OrderItemKind.IncreaseQuantity, Fabrikam, subscriptionId: SubscriptionIds.FabrikamExchange, quantity: 8), anna, t);
        o4.Place(anna, t.AddMinutes(2));
        o4.SetNote("Customer asked for 3 more mailboxes", anna, t.AddMinutes(3));

        t = now - 15 * day;
        var o5 = Cart(Fabrikam, felix, t);
        o5.AddItem(Spec(OrderItemKind.NewSubscription, Fabrikam, OfferIds.BusinessBasic, quantity: 400, contact: fabrikamIt, tenant: "fabrikam.onmicrosoft.com"), felix, t);
        o5.Place(felix, t.AddMinutes(1));
        Provision(o5, t.AddMinutes(2), (false, "QuantityAboveLimit", "Quantity 400 exceeds the maximum of 300 licences for this offer."));
        o5.Close(felix, t.AddDays(1));

        t = now - 10 * day;
        var o6 = Cart(Fabrikam, anna, t, "Backup expansion");
        o6.AddItem(Spec(OrderItemKind.NewSubscription, Fabrikam, OfferIds.AcronisProtect, quantity: 10, contact: fabrikamIt,
            addons: [(OfferIds.AcronisStorage, 2)]), anna, t);
        o6.SaveAsDraft(anna, t.AddMinutes(4));
        o6.SetNote("For Ida to review", anna, t.AddMinutes(5));

        t = now - 5 * day;
        var o7 = Cart(Fabrikam, ida, t);
        o7.AddItem(Spec(OrderItemKind.NewSubscription, Fabrikam, OfferIds.BusinessStandard, quantity: 10, contact: new AdminContact("ida@fabrikam.example", "Ida", "Lund"),
            tenant: "contoso.onmicrosoft.com"), ida, t);
        o7.AddItem(Spec(OrderItemKind.IncreaseQuantity, Fabrikam, subscriptionId: SubscriptionIds.FabrikamExchange, quantity: 10), ida, t);
        o7.Place(ida, t.AddMinutes(2));
        Provision(o7, t.AddMinutes(3), (false, "DomainAlreadyExists", "The domain contoso.onmicrosoft.com is already in use by another organization."), (true, null, null));

        t = now - 3 * day;
        var o8 = Cart(Fabrikam, felix, t);
        o8.AddItem(Spec(OrderItemKind.ChangeAutoRenew, Fabrikam, subscriptionId: SubscriptionIds.FabrikamE3, autoRenew: false), felix, t);
        o8.Delete(felix, t.AddMinutes(10));

        t = now - 2 * day;
        var o9 = Cart(Fabrikam, anna, t);
        o9.AddItem(Spec(OrderItemKind.Reactivate, Fabrikam, subscriptionId: SubscriptionIds.FabrikamAcronis), anna, t);
        o9.Place(anna, t.AddMinutes(1));
        o9.StartProvisioning(t.AddMinutes(2));

        t = now - 1 * day;
        var o10 = Cart(Fabrikam, ida, t);
        o10.AddItem(Spec(OrderItemKind.DecreaseQuantity, Fabrikam, subscriptionId: SubscriptionIds.FabrikamBitdefender, quantity: 35), ida, t);
        o10.Place(ida, t.AddMinutes(1));
        Provision(o10, t.AddMinutes(2));

        t = now - 2 * TimeSpan.FromHours(1);
        var o11 = Cart(Fabrikam, ida, t);
        o11.AddItem(Spec(OrderItemKind.IncreaseQuantity, Fabrikam, subscriptionId: SubscriptionIds.FabrikamE3, quantity: 15), ida, t);

        // Tailspin and the Litware customers: a few orders each, so every customer has history.
        t = now - Ago.TailspinStandardOrder;
        var o12 = Cart(Tailspin, tom, t);
        o12.AddItem(Spec(OrderItemKind.NewSubscription, Tailspin, OfferIds.BusinessStandard, quantity: 15, contact: new AdminContact("admin@tailspin.example", "Tom", "Hale"),
            tenant: "tailspintoys.onmicrosoft.com"), tom, t);
        o12.Place(tom, t.AddMinutes(1));
        Provision(o12, t.AddMinutes(2));
        o12.Complete(t.AddMinutes(4));
        o12.Items[0].LinkSubscription(SubscriptionIds.TailspinStandard);

        t = now - 7 * day;
        var o13 = Cart(Tailspin, anna, t);
        o13.AddItem(Spec(OrderItemKind.Suspend, Tailspin, subscriptionId: SubscriptionIds.TailspinAcronis), anna, t);
        o13.Place(anna, t.AddMinutes(1));
        Provision(o13, t.AddMinutes(2), (false, "VendorUnavailable", "Acronis could not suspend the subscription: the account is locked."));
        o13.Close(anna, t.AddHours(1));

        t = now - 12 * day;
        var o14 = Cart(Adatum, ada, t);
        var premium = subs[SubscriptionIds.AdatumPremium];
        premium.SetQuantity(25, offers[premium.OfferId], t); // before this increase
        o14.AddItem(Spec(OrderItemKind.IncreaseQuantity, Adatum, subscriptionId: SubscriptionIds.AdatumPremium, quantity: 30), ada, t);
        o14.Place(ada, t.AddMinutes(1));
        Provision(o14, t.AddMinutes(2));
        o14.Complete(t.AddMinutes(3));
        premium.SetQuantity(30, offers[premium.OfferId], t.AddMinutes(3));

        t = now - 4 * day;
        var o15 = Cart(Adatum, liam, t);
        o15.AddItem(Spec(OrderItemKind.ChangeMarkup, Adatum, subscriptionId: SubscriptionIds.AdatumBitdefender, markup: 18m), liam, t);
        o15.SaveAsDraft(liam, t.AddMinutes(1));

        t = now - 6 * day;
        var o16 = Cart(Woodgrove, liam, t);
        var woodgrove = subs[SubscriptionIds.WoodgroveE3];
        woodgrove.SetAutoRenew(true); // before this change
        o16.AddItem(Spec(OrderItemKind.ChangeAutoRenew, Woodgrove, subscriptionId: SubscriptionIds.WoodgroveE3, autoRenew: false), liam, t);
        o16.Place(liam, t.AddMinutes(1));
        Provision(o16, t.AddMinutes(2));
        o16.Complete(t.AddMinutes(2));
        woodgrove.SetAutoRenew(false);

        // workflow.md: Contoso holds its customers' big orders for approval; Felix's is waiting. Ida has a change
        // scheduled for Exchange's renewal, Anna one at a date two weeks ahead.
        var bigOrders = new ApprovalRule(Contoso, 0, "Big orders by customers", [Role.Customer, Role.CustomerAdmin],
            [OrderItemKind.NewSubscription, OrderItemKind.IncreaseQuantity], 500m, [Role.SellerAdmin, Role.AccountManager]);
        db.ApprovalRules.Add(bigOrders);

        t = now - TimeSpan.FromHours(3);
        var o17 = Cart(Fabrikam, felix, t, "More E3 for the sales team");
        o17.AddItem(Spec(OrderItemKind.IncreaseQuantity, Fabrikam, subscriptionId: SubscriptionIds.FabrikamE3, quantity: 30), felix, t);
        o17.Place(felix, t.AddMinutes(2), new ApprovalMatch(bigOrders.Name, bigOrders.ApproverRoles, false));

        t = now - 4 * TimeSpan.FromHours(1);
        var exchange = subs[SubscriptionIds.FabrikamExchange];
        var o18 = Cart(Fabrikam, ida, t, "Exchange for the new team, at renewal");
        o18.AddItem(Spec(OrderItemKind.IncreaseQuantity, Fabrikam, subscriptionId: SubscriptionIds.FabrikamExchange, quantity: 7), ida, t);
        o18.SetSchedule(ScheduleKind.OnRenewal, null, exchange.RenewalDate, ida, t.AddMinutes(1));
        o18.Place(ida, t.AddMinutes(2), null, exchange.RenewalDate);

        t = now - 5 * TimeSpan.FromHours(1);
        var renewOn = DateTime.SpecifyKind(now.Date.AddDays(14).AddHours(6), DateTimeKind.Utc);
        var o19 = Cart(Fabrikam, anna, t, "Bitdefender: renew again");
        o19.AddItem(Spec(OrderItemKind.ChangeAutoRenew, Fabrikam, subscriptionId: SubscriptionIds.FabrikamBitdefender, autoRenew: true), anna, t);
        o19.SetSchedule(ScheduleKind.At, renewOn, renewOn, anna, t.AddMinutes(1));
        o19.Place(anna, t.AddMinutes(2), null, renewOn);

        t = now - 2 * day;
        var o20 = Cart(Fabrikam, felix, t, "Premium for everyone");
        o20.AddItem(Spec(OrderItemKind.NewSubscription, Fabrikam, OfferIds.BusinessPremium, quantity: 40, contact: fabrikamIt, tenant: "fabrikam.onmicrosoft.com"), felix, t);
        o20.Place(felix, t.AddMinutes(1), new ApprovalMatch(bigOrders.Name, bigOrders.ApproverRoles, false));
        o20.Reject("Premium for 40 is not in this year's budget; let's talk about E3.", anna, t.AddHours(3));

        t = now - 6 * day;
        var o21 = Cart(Fabrikam, ida, t);
        o21.AddItem(Spec(OrderItemKind.ChangeAutoRenew, Fabrikam, subscriptionId: SubscriptionIds.FabrikamTeamsAudio, autoRenew: false), ida, t);
        o21.SetSchedule(ScheduleKind.At, t.AddDays(20), t.AddDays(20), ida, t.AddMinutes(1));
        o21.Place(ida, t.AddMinutes(2), null, t.AddDays(20));
        o21.Cancel(ida, t.AddDays(1));

        db.Orders.AddRange(orders.OrderBy(o => o.CreatedAt));
        await db.SaveChangesAsync();

        // Unlike the snapshot above, the scheduled orders are real: their outbox rows make them run when due.
        foreach (var scheduled in new[] { o18, o19 })
            ProvisioningJobQueue.Enqueue(db, scheduled.Id, now, scheduled.ScheduledFor);
        await db.SaveChangesAsync();
    }
}
