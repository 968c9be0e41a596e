using System.Text.RegularExpressions;
using CloudMarket.BrowserTests.Infrastructure;

namespace CloudMarket.BrowserTests;

/// <summary>The Users page: an organization's admin adds a user, who signs in with the initial password, and deactivates them.</summary>
public sealed class UsersPageTests(AppServer app, Chromium chromium) : BrowserTest(app, chromium), IClassFixture<AppServer>
{
    [Fact]
    public async Task Admin_AddsAUser_WhoSignsIn_ThenDeactivatesThem_AndTheirSessionEnds()
    {
        var admin = await NewPageAsync();
        await SignInAsync(admin, CustomerAdmin);
        await admin.GetByTestId("nav-users").ClickAsync();
        await Assertions.Expect(admin).ToHaveURLAsync(new Regex("/users$"));
        await Assertions.Expect(admin.Locator("[data-testid=user-row]", new() { HasText = FabrikamCustomer })).ToContainTextAsync("Customer");

        // Add: the initial password is shown once, the user is listed as active.
        var email = $"nils.holm.{Guid.NewGuid():N}@fabrikam.example";
        await admin.GetByLabel("E-mail").FillAsync(email);
        await admin.GetByLabel("First name").FillAsync("Nils");
        await admin.GetByLabel("Last name").FillAsync("Holm");
        await admin.GetByLabel("Role").SelectOptionAsync(new SelectOptionValue { Label = "Customer billing admin" });
        await admin.GetByRole(AriaRole.Button, new() { Name = "Add user" }).ClickAsync();
        await Assertions.Expect(admin.GetByTestId("user-created")).ToContainTextAsync("Nils Holm");
        var password = (await admin.GetByTestId("initial-password").InnerTextAsync()).Trim();
        var row = admin.Locator($"[data-testid=user-row][data-user-email='{email}']");
        await Assertions.Expect(row.GetByTestId("user-role")).ToHaveTextAsync("Customer billing admin");
        await Assertions.Expect(row.GetByTestId("user-status")).ToHaveTextAsync("Active");

        // The new user signs in with it; not an admin, so no Users link.
        var nils = await NewPageAsync();
        await SignInAsync(nils, email, password);
        await Assertions.Expect(nils.GetByTestId("signed-in-as")).ToContainTextAsync("Nils Holm");
        await Assertions.Expect(nils.GetByTestId("nav-users")).ToHaveCountAsync(0);

        // Deactivate, behind a confirmation.
        await row.GetByRole(AriaRole.Link, new() { Name = "Nils Holm" }).ClickAsync();
        await admin.GetByTestId("action-deactivate").ClickAsync();
        await Assertions.Expect(admin.GetByTestId("confirm")).ToContainTextAsync("signed out everywhere");
        await admin.GetByRole(AriaRole.Button, new() { Name = "Deactivate user" }).ClickAsync();
        await Assertions.Expect(admin.GetByTestId("done")).ToContainTextAsync("Deactivated");
        await Assertions.Expect(admin.GetByTestId("user-status")).ToHaveTextAsync("Deactivated");
        await Assertions.Expect(admin.GetByTestId("user-change").First).ToContainTextAsync("Deactivated");
        await Assertions.Expect(admin.GetByTestId("user-change").First).ToContainTextAsync("Ida Lund");

        // Nils's session ended at once: the next page sends him to sign in, where he is refused.
        await nils.GotoAsync("/subscriptions");
        await Assertions.Expect(nils).ToHaveURLAsync(new Regex("/signin"));
        await SignInAttemptAsync(nils, email, password);
        await Assertions.Expect(nils.GetByTestId("signin-error")).ToBeVisibleAsync();

        await admin.GotoAsync("/users");
        await Assertions.Expect(row.GetByTestId("user-status")).ToHaveTextAsync("Deactivated");
        Assert.Empty(ScriptProblems);
    }

    [Fact]
    public async Task NonAdmins_SeeNoUsersLink_AndThePageRefusesThem()
    {
        var page = await NewPageAsync();
        await SignInAsync(page, FabrikamCustomer);
        await Assertions.Expect(page.GetByTestId("nav-users")).ToHaveCountAsync(0);
        var response = await page.GotoAsync("/users");
        Assert.Equal(403, response!.Status);
        await Assertions.Expect(page.GetByTestId("not-allowed")).ToBeVisibleAsync();
    }

    private static async Task SignInAttemptAsync(IPage page, string email, string password)
    {
        await page.GotoAsync("/signin");
        await page.GetByLabel("E-mail").FillAsync(email);
        await page.GetByLabel("Password").FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
    }
}
