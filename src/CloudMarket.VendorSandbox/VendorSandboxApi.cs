namespace CloudMarket.VendorSandbox;

/// <summary>
/// The sandbox's HTTP API. <c>/partner/v1</c> follows how Microsoft's Partner Center provisions for a
/// customer (customer tenant by domain, cart, checkout, per-line provisioning status, subscription
/// PATCH); <c>/generic/v1</c> is the simpler API the other vendors share; <c>/sandbox</c> lets tests
/// look inside and change the faults.
/// </summary>
public static class VendorSandboxApi
{
    public const string IdempotencyHeader = "Idempotency-Key";

    public static void MapVendorSandboxApi(this IEndpointRouteBuilder app, SandboxFaultInjector faults, string apiKey)
    {
        ArgumentException.ThrowIfNullOrEmpty(apiKey);
        var authorized = (EndpointFilterInvocationContext c, EndpointFilterDelegate next) =>
            c.HttpContext.Request.Headers.Authorization == $"Bearer {apiKey}"
                ? next(c)
                : ValueTask.FromResult<object?>(SandboxState.Error(401, "Unauthorized", "A valid bearer key is required.").ToResult());

        var partner = app.MapGroup("/partner/v1").AddEndpointFilter(authorized).AddEndpointFilter(faults.Apply);
        partner.MapPost("/customers", (PartnerCustomerRequest body, SandboxState state, HttpContext http) =>
            state.Once(Key(http), () => state.CreateCustomer(body)).ToResult());
        partner.MapPost("/customers/{customerId}/carts", (string customerId, PartnerCartRequest body, SandboxState state, HttpContext http) =>
            state.Once(Key(http), () => state.CreateCart(customerId, body)).ToResult());
        partner.MapPost("/customers/{customerId}/carts/{cartId}/checkout", (string customerId, string cartId, SandboxState state, HttpContext http) =>
            state.Once(Key(http), () => state.Checkout(customerId, cartId, Key(http)!)).ToResult());
        partner.MapGet("/customers/{customerId}/orders/{orderId}/provisioningstatus", (string customerId, string orderId, SandboxState state) =>
            state.ProvisioningStatus(customerId, orderId).ToResult());
        partner.MapPatch("/customers/{customerId}/subscriptions/{subscriptionId}",
            (string customerId, string subscriptionId, PartnerSubscriptionPatch body, SandboxState state, HttpContext http) =>
                state.Once(Key(http), () => state.UpdateSubscription("partner", subscriptionId,
                    // Partner Center cancels a subscription by setting its status to "deleted".
                    new SubscriptionUpdate(body.OfferId, body.Quantity, body.Status switch { "suspended" => true, "active" => false, _ => null }, body.AutoRenewEnabled,
                        body.Status == "deleted" ? true : null),
                    Key(http)!)).ToResult());

        var generic = app.MapGroup("/generic/v1").AddEndpointFilter(authorized).AddEndpointFilter(faults.Apply);
        generic.MapPost("/subscriptions", (GenericSubscriptionRequest body, SandboxState state, HttpContext http) =>
            state.Once(Key(http), () => state.CreateGenericSubscription(body, Key(http)!)).ToResult());
        generic.MapPatch("/subscriptions/{subscriptionId}", (string subscriptionId, SubscriptionUpdate body, SandboxState state, HttpContext http) =>
            state.Once(Key(http), () => state.UpdateSubscription("generic", subscriptionId, body, Key(http)!)).ToResult());

        var inspect = app.MapGroup("/sandbox").AddEndpointFilter(authorized);
        inspect.MapGet("/purchases", (SandboxState state) => Results.Json(state.Purchases));
        inspect.MapGet("/state", (SandboxState state) => Results.Json(new { purchases = state.Purchases.Count, replays = state.Replays, faults = faults.Current }));
        inspect.MapPut("/faults", (SandboxFaults body) =>
        {
            if (body.TotalFaultRate > 1 || body.TooManyRequestsRate < 0 || body.ServerErrorRate < 0 || body.TimeoutRate < 0)
                return SandboxState.Error(400, "InvalidFaults", "Fault rates must be between 0 and 1 and add up to at most 1.").ToResult();
            faults.Set(body);
            return Results.Json(body);
        });
    }

    private static string? Key(HttpContext http) => http.Request.Headers[IdempotencyHeader].FirstOrDefault();
}

/// <summary>Partner Center's subscription resource as PATCH takes it.</summary>
public sealed record PartnerSubscriptionPatch(string? OfferId, int? Quantity, string? Status, bool? AutoRenewEnabled);
