namespace CloudMarket.Infrastructure;

/// <summary>A business rule refused the request (e.g. a status transition the order does not allow). Becomes 409.</summary>
public sealed class DomainException(string message) : Exception(message);

/// <summary>The request (or the order being placed) has invalid fields. Becomes 400 with every problem listed.</summary>
public sealed class RequestValidationException(IDictionary<string, string[]> errors, string? detail = null)
    : Exception(detail ?? "One or more fields are invalid.")
{
    public IDictionary<string, string[]> Errors { get; } = errors;

    public static RequestValidationException For(string field, string message) =>
        new(new Dictionary<string, string[]> { [field] = [message] });
}

/// <summary>The thing does not exist or the caller may not see it. Both answer 404 so nothing leaks.</summary>
public sealed class NotFoundException(string what) : Exception($"{what} was not found.");

/// <summary>The caller can see the thing but its role may not do this to it. Becomes 403.</summary>
public sealed class ForbiddenException(string message) : Exception(message);

/// <summary>Another request changed the same thing first. Becomes 409.</summary>
public sealed class ConcurrencyConflictException(string message) : Exception(message);

/// <summary>Collects field problems so a request is answered with all of them at once.</summary>
public sealed class ValidationErrors
{
    private readonly Dictionary<string, List<string>> _errors = new();

    public void Add(string field, string message)
    {
        if (!_errors.TryGetValue(field, out var list))
            _errors[field] = list = [];
        list.Add(message);
    }

    public bool Any => _errors.Count > 0;

    /// <summary>The fields with an error.</summary>
    public IEnumerable<string> Fields => _errors.Keys;

    public void ThrowIfAny(string? detail = null)
    {
        if (Any)
            throw new RequestValidationException(ToDictionary(), detail);
    }

    /// <summary>The problems by field, as a 400 answer's <c>errors</c> names them.</summary>
    public Dictionary<string, string[]> ToDictionary() => _errors.ToDictionary(e => e.Key, e => e.Value.ToArray());
}

/// <summary>A request body over the API's size limit. Becomes 413 naming the limit.</summary>
public sealed class RequestBodyTooLargeException(long maxBytes)
    : Exception($"The request body is larger than the {maxBytes / 1024} KB ({maxBytes} bytes) the API accepts.")
{
    public long MaxBytes { get; } = maxBytes;
}
