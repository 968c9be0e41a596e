using CloudMarket.Features.Catalog;
using CloudMarket.Features.Orders;
using Microsoft.Extensions.Options;

namespace CloudMarket.Features.Provisioning.Microsoft;

/// <summary>
/// Microsoft through Partner Center: a new subscription is a customer tenant (by domain), a cart,
/// a checkout, then the order's line items polled until fulfilled; a change is a PATCH of the
/// subscription. Each step carries its own key derived from the item's, so a repeated step is
/// answered from the vendor's idempotency store and never buys again.
/// </summary>
public sealed class PartnerCenterConnector(HttpClient http, VendorEndpoints endpoints, IOptions<ProvisioningOptions> options,
    TimeProvider clock) : IVendorConnector
{
    public VendorApi Api => VendorApi.Microsoft;

    public async Task<VendorAnswer> SendAsync(VendorRequest request, CancellationToken ct)
    {
        var (root, apiKey) = await endpoints.ForAsync(Api, ct);
        return request.Kind == OrderItemKind.NewSubscription
            ? await PurchaseAsync(request, root, apiKey, ct)
            : await ChangeAsync(request, root, apiKey, ct);
    }

    private async Task<VendorAnswer> PurchaseAsync(VendorRequest request, Uri root, string apiKey, CancellationToken ct)
    {
        var key = request.IdempotencyKey;
        var customer = await VendorHttp.SendAsync(http, HttpMethod.Post, new Uri(root, "partner/v1/customers"), apiKey, key + ":customer",
            new
            {
                domain = request.TenantName,
                companyName = request.CustomerName,
                externalReference = request.CustomerId.ToString(),
                adminEmail = request.AdminContact?.Email,
                adminFirstName = request.AdminContact?.FirstName,
                adminLastName = request.AdminContact?.LastName,
            }, ct);
        if (!customer.IsSuccess) return customer.Rejection;
        var customerId = VendorHttp.Text(customer.Body, "id")!;

        var lines = new[] { (request.OfferId, request.Quantity) }.Concat(request.Addons)
            .Select((l, i) => new { id = i, catalogItemId = l.Item1, quantity = l.Item2, billingCycle = VendorHttp.BillingCycle(request.BillingCycle) })
            .ToList();
        var cart = await VendorHttp.SendAsync(http, HttpMethod.Post, new Uri(root, $"partner/v1/customers/{customerId}/carts"), apiKey, key + ":cart",
            new { lineItems = lines }, ct);
        if (!cart.IsSuccess) return cart.Rejection;
        var cartId = VendorHttp.Text(cart.Body, "id")!;

        var checkout = await VendorHttp.SendAsync(http, HttpMethod.Post, new Uri(root, $"partner/v1/customers/{customerId}/carts/{cartId}/checkout"),
            apiKey, key + ":checkout", null, ct);
        if (!checkout.IsSuccess) return checkout.Rejection;
        var orderId = VendorHttp.Text(checkout.Body, "id")!;

        return await AwaitFulfilmentAsync(new Uri(root, $"partner/v1/customers/{customerId}/orders/{orderId}/provisioningstatus"), apiKey, ct);
    }

    /// <summary>Partner Center provisions after checkout; the line items say when the subscriptions exist.</summary>
    private async Task<VendorAnswer> AwaitFulfilmentAsync(Uri statusUri, string apiKey, CancellationToken ct)
    {
        var deadline = clock.GetUtcNow().AddMilliseconds(options.Value.FulfilmentTimeoutMs);
        while (true)
        {
            var status = await VendorHttp.SendAsync(http, HttpMethod.Get, statusUri, apiKey, null, null, ct);
            if (!status.IsSuccess) return status.Rejection;
            if (VendorHttp.Text(status.Body, "status") == "fulfilled")
            {
                var first = status.Body.GetProperty("lineItems").EnumerateArray().First();
                return VendorAnswer.Success(VendorHttp.Text(first, "subscriptionId"));
            }
            if (clock.GetUtcNow() >= deadline)
                throw new VendorUnavailableException($"Checkout not fulfilled within {options.Value.FulfilmentTimeoutMs} ms; asking again later.");
            await Task.Delay(TimeSpan.FromMilliseconds(options.Value.FulfilmentPollMs), clock, ct);
        }
    }

    private async Task<VendorAnswer> ChangeAsync(VendorRequest request, Uri root, string apiKey, CancellationToken ct)
    {
        object patch = request.Kind switch
        {
            OrderItemKind.IncreaseQuantity or OrderItemKind.DecreaseQuantity => new { offerId = request.OfferId, quantity = request.Quantity },
            OrderItemKind.Suspend => new { offerId = request.OfferId, status = "suspended" },
            OrderItemKind.Reactivate => new { offerId = request.OfferId, status = "active" },
            OrderItemKind.ChangeAutoRenew => new { offerId = request.OfferId, autoRenewEnabled = request.AutoRenew },
            // Partner Center cancels a subscription (within its window) by setting its status to "deleted".
            OrderItemKind.Cancel => new { offerId = request.OfferId, status = "deleted" },
            _ => throw new InvalidOperationException($"{request.Kind} is not sent to Microsoft."),
        };
        var tenant = request.TenantName ?? request.CustomerId.ToString();
        var reply = await VendorHttp.SendAsync(http, HttpMethod.Patch,
            new Uri(root, $"partner/v1/customers/{Uri.EscapeDataString(tenant)}/subscriptions/{Uri.EscapeDataString(request.VendorSubscriptionId!)}"),
            apiKey, request.IdempotencyKey, patch, ct);
        return reply.ToAnswer();
    }
}
