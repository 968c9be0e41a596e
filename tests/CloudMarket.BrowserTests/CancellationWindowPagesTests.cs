using System.Text.RegularExpressions;
using CloudMarket.BrowserTests.Infrastructure;
using CloudMarket.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;

namespace CloudMarket.BrowserTests;

/// <summary>
/// The cancellation window on the pages (workflow.md): where a decrease or a cancel is offered the deadline is
/// shown with a countdown; once the window has closed the same page says why not next to the disabled button, and
/// the cart's place confirmation (the preview) and placing itself refuse the decrease with the deadline that passed.
/// </summary>
public sealed class CancellationWindowPagesTests(AppServer app, Chromium chromium) : BrowserTest(app, chromium), IClassFixture<AppServer>
{
    private static readonly Guid Basic = DemoData.SubscriptionIds.WingtipBasic;

    /// <summary>Moves the subscription's term back (as a week passing would), returning a step that puts it back.</summary>
    private async Task<Func<Task>> MoveTermBackAsync(TimeSpan by)
    {
        var (start, renewal) = await App.WithDbAsync(db => db.Subscriptions.Where(s => s.Id == Basic).Select(s => ValueTuple.Create(s.StartDate, s.RenewalDate)).SingleAsync());
        await Move(start - by, renewal - by);
        return () => Move(start, renewal);

        Task Move(DateTime s, DateTime r) => App.WithDbAsync(db => db.Subscriptions.Where(x => x.Id == Basic)
            .ExecuteUpdateAsync(u => u.SetProperty(x => x.StartDate, s).SetProperty(x => x.RenewalDate, r)));
    }

    [Fact]
    public async Task ADecrease_IsOfferedWithItsDeadline_AndAfterTheWindowIsRefusedWithTheReason()
    {
        var page = await NewPageAsync();
        await SignInAsync(page, SellerAdmin);
        await ActOnBehalfAsync(page, "Wingtip Toys");
        await page.GotoAsync($"/subscriptions/{Basic}");

        // Renewed two days ago: five days left, counted down where the changes are offered.
        await Assertions.Expect(page.GetByTestId("cancellation-window")).ToContainTextAsync(new Regex(@"Licences can be decreased until \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC \(in [45] days\)"));
        await Assertions.Expect(page.GetByTestId("cancel-deadline")).ToContainTextAsync(new Regex(@"You can cancel until \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC, in [45] days\."));
        await Assertions.Expect(page.GetByTestId("cancel-subscription")).ToBeEnabledAsync();

        await page.GetByTestId("change-quantity").GetByLabel("Licences").FillAsync("25");
        await page.GetByTestId("change-quantity").GetByRole(AriaRole.Button, new() { Name = "Add to cart" }).ClickAsync();
        await page.WaitForURLAsync("**/cart?added=1");
        await Assertions.Expect(page.GetByTestId("cart-item")).ToContainTextAsync("Decrease licences: Microsoft 365 Business Basic, 30 → 25");
        await Assertions.Expect(page.GetByTestId("preview-problems")).ToHaveCountAsync(0);

        var restore = await MoveTermBackAsync(TimeSpan.FromDays(6));
        try
        {
            // A week after the renewal: the page says why not, next to the disabled button.
            await page.GotoAsync($"/subscriptions/{Basic}");
            await Assertions.Expect(page.GetByTestId("cancellation-window")).ToContainTextAsync("Licences can no longer be decreased: the cancellation window closed on");
            await Assertions.Expect(page.GetByTestId("cancel-subscription")).ToBeDisabledAsync();
            await Assertions.Expect(page.GetByTestId("cancel-deadline")).ToContainTextAsync(
                new Regex(@"A subscription can be cancelled only until \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC, 7 days after the purchase or the last renewal\."));

            // The cart's confirmation says what placing would say; placing says it next to the item.
            var refusal = new Regex(@"Licences can be decreased only until \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC, 7 days after the purchase or the last renewal\.");
            await page.GotoAsync("/cart");
            await Assertions.Expect(page.GetByTestId("preview-problems")).ToContainTextAsync(refusal);
            await page.GetByTestId("accept-terms").CheckAsync();
            await page.GetByTestId("place-order").ClickAsync();
            await Assertions.Expect(page.GetByTestId("cart-item").Locator("[data-testid=field-error][data-field=quantity]")).ToContainTextAsync(refusal);
            await Assertions.Expect(page.GetByTestId("cart-title")).ToHaveTextAsync("Cart");
        }
        finally
        {
            await restore();
        }
        Assert.Empty(ScriptProblems);
    }
}
