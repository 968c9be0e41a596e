using System.Text.Json;

namespace CloudMarket.Infrastructure;

/// <summary>
/// The API's name of an enum value or a field: camelCase, as the JSON serializer writes them
/// (<see cref="WebSetup.ConfigureJson"/>). Messages, CSV cells, query strings and data-* attributes use
/// it so that every place speaks the API's words.
/// </summary>
public static class ApiNames
{
    public static string Of<T>(T value) where T : struct, Enum => Of(value.ToString());

    public static string Of(string name) => JsonNamingPolicy.CamelCase.ConvertName(name);

    /// <summary>"a, b or c" in API names: the values a field accepts.</summary>
    public static string OneOf<T>() where T : struct, Enum => string.Join(", ", Enum.GetNames<T>().Select(Of));
}
