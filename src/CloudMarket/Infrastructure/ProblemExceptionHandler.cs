using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace CloudMarket.Infrastructure;

/// <summary>
/// Where exceptions become RFC 9457 problem details: the domain's refusals as <see cref="DomainProblem"/>
/// maps them (4xx), the HTTP layer's (body, binding, size, sign-in) here; anything else is logged and becomes a 500.
/// </summary>
public sealed partial class ProblemExceptionHandler(IProblemDetailsService problems, ILogger<ProblemExceptionHandler> logger)
    : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext http, Exception exception, CancellationToken ct)
    {
        ProblemDetails problem = DomainProblem.From(exception) ?? exception switch
        {
            RequestBodyTooLargeException t => TooLarge(t.MaxBytes),
            BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } =>
                TooLarge(http.RequestServices.GetRequiredService<IOptions<SecurityOptions>>().Value.MaxApiRequestBodyBytes),
            BadHttpRequestException { InnerException: JsonException j } => JsonBodyProblem.From(j, http),
            BadHttpRequestException b => BadRequest(b),
            JsonException j => JsonBodyProblem.From(j, http),
            UnauthorizedAccessException => new ProblemDetails { Status = StatusCodes.Status401Unauthorized, Title = "Sign in first." },
            _ => new ProblemDetails { Status = StatusCodes.Status500InternalServerError, Title = "An unexpected error occurred." },
        };

        if (problem.Status >= 500)
            logger.LogError(exception, "Unhandled exception for {Method} {Path}", http.Request.Method, http.Request.Path);
        else
            logger.LogInformation("Request refused with {Status}: {Reason}", problem.Status, exception.Message);

        http.Response.StatusCode = problem.Status!.Value;
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = http, ProblemDetails = problem, Exception = exception });
    }

    private static ProblemDetails TooLarge(long maxBytes) => new()
    {
        Status = StatusCodes.Status413PayloadTooLarge,
        Title = "The request body is too large.",
        Detail = new RequestBodyTooLargeException(maxBytes).Message,
    };

    /// <summary>
    /// Binding failures other than JSON (a wrong content type, a value a route or header cannot take).
    /// Their messages name the handler's parameters as "Type name"; the client gets the name only.
    /// </summary>
    private static ProblemDetails BadRequest(BadHttpRequestException b) => new()
    {
        Status = b.StatusCode is >= 400 and < 500 ? b.StatusCode : 400,
        Title = "The request is invalid.",
        Detail = ParameterType().Replace(b.Message, "\"${name}\""),
    };

    [GeneratedRegex(@"""[^""\s]+(?:<[^>""]*>)?\s(?<name>\w+)""")]
    private static partial Regex ParameterType();
}
