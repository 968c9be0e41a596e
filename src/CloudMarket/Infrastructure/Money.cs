using System.Globalization;
using System.Text.Json.Serialization;

namespace CloudMarket.Infrastructure;

/// <summary>An amount in one currency. All price arithmetic goes through <see cref="Round"/>.</summary>
/// <remarks>Both members are always written; [JsonRequired] makes the OpenAPI schema say so.</remarks>
public readonly record struct Money([property: JsonRequired] decimal Amount, [property: JsonRequired] string Currency)
{
    /// <summary>The one rounding rule of the platform: 2 decimals, midpoint away from zero.</summary>
    public static decimal Round(decimal amount) => Math.Round(amount, 2, MidpointRounding.AwayFromZero);

    public static Money Zero(string currency) => new(0m, currency);

    /// <summary>Adds a percentage markup and rounds the result once.</summary>
    public Money WithMarkup(decimal percent) => new(Round(Amount * (1 + percent / 100m)), Currency);

    public Money Times(decimal factor) => new(Round(Amount * factor), Currency);

    public static Money operator +(Money a, Money b)
    {
        if (a.Currency != b.Currency)
            throw new InvalidOperationException($"Cannot add {a.Currency} to {b.Currency}.");
        return new(a.Amount + b.Amount, a.Currency);
    }

    public static Money operator -(Money a, Money b)
    {
        if (a.Currency != b.Currency)
            throw new InvalidOperationException($"Cannot subtract {b.Currency} from {a.Currency}.");
        return new(a.Amount - b.Amount, a.Currency);
    }

    public override string ToString() => $"{Amount.ToString("0.00", CultureInfo.InvariantCulture)} {Currency}";
}
