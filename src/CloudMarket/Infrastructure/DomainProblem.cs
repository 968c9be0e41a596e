using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace CloudMarket.Infrastructure;

/// <summary>
/// The one mapping from the domain's refusals to what a user is told: the API writes it as an
/// RFC 9457 problem (<see cref="ProblemExceptionHandler"/>), the pages show its detail and field
/// errors above and under the form (<c>FormPage.TryAsync</c>). Null for anything that is not an
/// expected refusal (a defect, or a failure of the HTTP layer, which only the API has).
/// </summary>
public static class DomainProblem
{
    public static ProblemDetails? From(Exception exception) => exception switch
    {
        RequestValidationException v => new HttpValidationProblemDetails(v.Errors)
        {
            Status = StatusCodes.Status400BadRequest, Title = "The request is invalid.", Detail = v.Message,
        },
        NotFoundException n => new ProblemDetails { Status = StatusCodes.Status404NotFound, Title = "Not found.", Detail = n.Message },
        ForbiddenException f => new ProblemDetails { Status = StatusCodes.Status403Forbidden, Title = "Not allowed.", Detail = f.Message },
        DomainException d => new ProblemDetails { Status = StatusCodes.Status409Conflict, Title = "Not allowed in this state.", Detail = d.Message },
        ConcurrencyConflictException c => Conflict(c.Message),
        DbUpdateConcurrencyException => Conflict("The order was changed by someone else at the same moment; reload it and try again."),
        _ => null,
    };

    /// <summary>The field errors of a 400 (by the API's field names), empty for every other problem.</summary>
    public static IDictionary<string, string[]> FieldErrors(ProblemDetails problem) =>
        problem is HttpValidationProblemDetails v ? v.Errors : new Dictionary<string, string[]>();

    private static ProblemDetails Conflict(string detail) =>
        new() { Status = StatusCodes.Status409Conflict, Title = "Concurrent change.", Detail = detail };
}
