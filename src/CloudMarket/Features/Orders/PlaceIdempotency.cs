namespace CloudMarket.Features.Orders;

/// <summary>Remembers which order an Idempotency-Key placed, so a repeated request returns the first result.</summary>
public sealed class PlaceIdempotency
{
    /// <summary>The request header that carries the key (api.md).</summary>
    public const string Header = "Idempotency-Key";

    private PlaceIdempotency() { }

    public PlaceIdempotency(Guid userId, string key, long orderId, DateTime at)
    {
        UserId = userId;
        Key = key;
        OrderId = orderId;
        CreatedAt = at;
    }

    public Guid UserId { get; private set; }
    public string Key { get; private set; } = "";
    public long OrderId { get; private set; }
    public DateTime CreatedAt { get; private set; }
}
