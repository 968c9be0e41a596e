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
public abstract class CustomerPage : ComponentBase
{
    [CascadingParameter] public HttpContext HttpContext { get; set; } = null!;
    [Inject] protected AppDbContext Db { get; set; } = null!;
    [Inject] protected NavigationManager Navigation { get; set; } = null!;
    [Inject] protected TimeProvider Clock { get; set; } = null!;
    [Inject] protected OrderOptions OrderLimits { get; set; } = null!;

    protected CustomerContext Customer { get; private set; } = null!;
    protected Actor Actor => Customer.Actor;
    protected CancellationToken Aborted => HttpContext.RequestAborted;

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

    // ---- forms: the domain's answers shown on the page ------------------------------------

    /// <summary>Field errors of the last form post, by the API's field names (e.g. <c>adminContact.email</c>).</summary>
    protected IDictionary<string, string[]> Errors { get; private set; } = new Dictionary<string, string[]>();

    /// <summary>The problem of the last form post as one sentence, shown above the form.</summary>
    protected string? Problem { get; set; }

    /// <summary>
    /// Runs a change and turns the domain's refusals into messages on the page: field errors for a
    /// 400, a sentence for a 409/403/404. Returns false when the change was refused.
    /// </summary>
    protected async Task<bool> TryAsync(Func<Task> change)
    {
        Errors = new Dictionary<string, string[]>();
        Problem = null;
        try
        {
            await change();
            return true;
        }
        catch (RequestValidationException e)
        {
            Errors = e.Errors;
            Problem = e.Message;
        }
        catch (Exception e) when (e is DomainException or ForbiddenException or ConcurrencyConflictException)
        {
            Problem = e.Message;
        }
        catch (DbUpdateConcurrencyException)
        {
            Problem = "Someone else changed this order at the same moment; reload the page and try again.";
        }
        catch (NotFoundException)
        {
            Problem = "It no longer exists or is not visible to you.";
        }
        return false;
    }

    protected bool HasError(string field) => Errors.ContainsKey(field);

    /// <summary>Bootstrap's class for an invalid field.</summary>
    protected string Invalid(string field) => HasError(field) ? "is-invalid" : "";

    /// <summary>Field errors that no field on the page shows (e.g. "order" or "items"), listed above the form.</summary>
    protected IEnumerable<string> ErrorsExcept(ICollection<string> shownFields) =>
        Errors.Where(e => !shownFields.Contains(e.Key)).SelectMany(e => e.Value);
}
