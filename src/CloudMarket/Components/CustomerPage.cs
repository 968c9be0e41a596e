using CloudMarket.Data;
using CloudMarket.Features.Identity;
using CloudMarket.Features.Organizations;
using CloudMarket.Infrastructure;
using Microsoft.AspNetCore.Components;
using Microsoft.EntityFrameworkCore;

namespace CloudMarket.Components;

/// <summary>
/// Base of every page inside Customer View: resolves the customer in view (or sends the user to
/// "Select organization") and offers the actor, the database, the clock and the order limits.
/// </summary>
public abstract class CustomerPage : FormPage
{
    [CascadingParameter] public HttpContext HttpContext { get; set; } = null!;
    [Inject] protected AppDbContext Db { get; set; } = null!;
    /// <summary>Where the read-only views read: the primary, or the read replica when there is one (<see cref="Data.ReadDb"/>).</summary>
    [Inject] protected Data.ReadDb Reads { get; set; } = null!;
    [Inject] protected NavigationManager Navigation { get; set; } = null!;
    [Inject] protected TimeProvider Clock { get; set; } = null!;
    [Inject] protected OrderOptions OrderLimits { get; set; } = null!;

    protected CustomerContext Customer { get; private set; } = null!;
    protected Actor Actor => Customer.Actor;
    protected CancellationToken Aborted => HttpContext.RequestAborted;

    /// <summary>The user's time zone, for times the page formats in code (<see cref="TimeFormat"/>); markup uses &lt;When&gt;.</summary>
    protected TimeZoneInfo Zone => UserTimeZone.Of(HttpContext);

    protected sealed override async Task OnInitializedAsync()
    {
        var ctx = await CustomerView.ResolveAsync(HttpContext, Db);
        if (ctx is null)
        {
            Navigation.NavigateTo("/select-organization");
            return;
        }
        Customer = ctx;
        await OnCustomerViewAsync();
    }

    /// <summary>Runs once the customer in view is known.</summary>
    protected abstract Task OnCustomerViewAsync();

    protected bool Ready => Customer is not null;
}
