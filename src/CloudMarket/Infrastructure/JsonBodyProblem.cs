using System.Collections;
using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Metadata;

namespace CloudMarket.Infrastructure;

/// <summary>What a request body is, in the API's words, for problems about it ("a note", "a new order").</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class ApiNameAttribute(string name) : Attribute
{
    public string Name { get; } = name;
}

/// <summary>
/// Turns a JSON error of a request body into a 400 problem in the API's own words: the field it is
/// about, named as the API names fields (<c>items[0].quantity</c>), and what that field takes. The
/// serializer's own messages name .NET types (<c>System.Nullable`1[…OrderItemKind]</c>), which mean
/// nothing to a client and tell the outside how the server is built, so they are never passed on.
/// </summary>
public static partial class JsonBodyProblem
{
    public static HttpValidationProblemDetails From(JsonException error, HttpContext http)
    {
        // The exception handler clears the request's endpoint before it runs; its feature keeps it.
        var endpoint = http.Features.Get<IExceptionHandlerFeature>()?.Endpoint ?? http.GetEndpoint();
        var bodyType = endpoint?.Metadata.GetMetadata<IAcceptsMetadata>()?.RequestType;
        var field = FieldOf(error.Path);
        string message;
        if (MissingRequired().Match(error.Message) is { Success: true } missing)
        {
            // "{ }" for a body whose field must be present, e.g. a note without "text": each missing field named.
            var prefix = field == "body" ? "" : field + ".";
            var errors = missing.Groups["names"].Value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                .Select(n => prefix + n.Trim('\'')).ToDictionary(n => n, _ => new[] { "Required (the field must be present; null is a value)." });
            return Problem(bodyType, errors);
        }
        if (error.Message.Contains("could not be mapped to any .NET member", StringComparison.Ordinal))
            message = "Not a field of this request; check its spelling.";
        else if (error.Message.StartsWith("The JSON value could not be converted to", StringComparison.Ordinal))
            message = $"Must be {Expected(TypeAt(bodyType, error.Path))}.";
        else if (error.InnerException?.GetType().Name == "JsonReaderException")
            message = $"Not valid JSON at line {error.LineNumber + 1}, position {error.BytePositionInLine + 1}: {ReaderProblem(error.InnerException.Message)}";
        else
            message = "Not a valid value.";

        return Problem(bodyType, new Dictionary<string, string[]> { [field] = [message] });
    }

    private static HttpValidationProblemDetails Problem(Type? bodyType, Dictionary<string, string[]> errors)
    {
        var subject = bodyType?.GetCustomAttribute<ApiNameAttribute>()?.Name ?? "this request";
        return new HttpValidationProblemDetails(errors)
        {
            Status = StatusCodes.Status400BadRequest,
            Title = $"The request body is not valid JSON for {subject}.",
            Detail = string.Join(" ", errors.Select(e => $"{e.Key}: {string.Join(" ", e.Value)}")),
        };
    }

    /// <summary>"$.items[0].kind" → "items[0].kind"; the whole body is "body".</summary>
    public static string FieldOf(string? path)
    {
        if (string.IsNullOrEmpty(path) || path == "$") return "body";
        var field = path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path.TrimStart('$');
        return field.Length == 0 ? "body" : field;
    }

    /// <summary>The .NET type the body's JSON path leads to, walking the request type as the serializer does (camelCase names).</summary>
    private static Type? TypeAt(Type? root, string? path)
    {
        var type = root;
        foreach (Match m in PathSegment().Matches(path ?? ""))
        {
            if (type is null) return null;
            type = Nullable.GetUnderlyingType(type) ?? type;
            if (m.Groups["index"].Success)
                type = ElementType(type);
            else
            {
                var name = m.Groups["name"].Success ? m.Groups["name"].Value : m.Groups["quoted"].Value;
                type = type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
                    .FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase))?.PropertyType;
            }
        }
        return type;
    }

    private static Type? ElementType(Type type) =>
        type.IsArray ? type.GetElementType()
        : type.GetInterfaces().Append(type).FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IEnumerable<>))?.GetGenericArguments()[0];

    /// <summary>What a field of this type takes, as a client would write it.</summary>
    private static string Expected(Type? type)
    {
        if (type is null) return "a valid value";
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type.IsEnum)
            return "one of: " + string.Join(", ", Enum.GetNames(type).Select(ApiNames.Of));
        if (type == typeof(int)) return $"a whole number from {int.MinValue} to {int.MaxValue}";
        if (type == typeof(long)) return "a whole number";
        if (type == typeof(decimal) || type == typeof(double) || type == typeof(float)) return "a number";
        if (type == typeof(bool)) return "true or false";
        if (type == typeof(string)) return "a text (a JSON string of valid Unicode)";
        if (type == typeof(Guid)) return "an id (e.g. \"3f2504e0-4f89-11d3-9a0c-0305e82c3301\")";
        if (type == typeof(DateTime) || type == typeof(DateTimeOffset)) return "an ISO-8601 date-time (e.g. \"2026-11-25T09:30:00Z\")";
        if (typeof(IEnumerable).IsAssignableFrom(type)) return "a list (a JSON array)";
        return "an object (a JSON object { … })";
    }

    /// <summary>The reader's own description of a syntax error, without its position suffix (given separately).</summary>
    private static string ReaderProblem(string message)
    {
        var cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        return (cut >= 0 ? message[..cut] : message).Trim().TrimEnd('.', '|').Trim() + ".";
    }

    [GeneratedRegex(@"missing required properties including: (?<names>'[^']*'(?:\s*,\s*'[^']*')*)")]
    private static partial Regex MissingRequired();

    [GeneratedRegex(@"\.(?<name>[^.\[]+)|\[(?<index>\d+)\]|\['(?<quoted>(?:[^']|'')*)'\]")]
    private static partial Regex PathSegment();
}
