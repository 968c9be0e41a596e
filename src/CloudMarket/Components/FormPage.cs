using CloudMarket.Infrastructure;
using Microsoft.AspNetCore.Components;

namespace CloudMarket.Components;

/// <summary>
/// Base of every page with forms: the domain's answers to the last form post, shown on the page
/// (field errors under their fields, a refusal as one sentence above the form).
/// </summary>
public abstract class FormPage : ComponentBase
{
    /// <summary>Field errors of the last form post, by the API's field names (e.g. <c>adminContact.email</c>).</summary>
    protected IDictionary<string, string[]> Errors { get; private set; } = new Dictionary<string, string[]>();

    /// <summary>The problem of the last form post as one sentence, shown above the form.</summary>
    protected string? Problem { get; set; }

    /// <summary>
    /// Runs a change and turns the domain's refusals into messages on the page, in the same words
    /// as the API's problems (<see cref="DomainProblem"/>): field errors for a 400, a sentence for
    /// every refusal. Returns false when the change was refused.
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
        catch (Exception e) when (DomainProblem.From(e) is { } problem)
        {
            Errors = DomainProblem.FieldErrors(problem);
            Problem = problem.Detail;
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
