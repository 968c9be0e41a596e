using CloudMarket.Features.Catalog;
using CloudMarket.Features.Orders;

namespace CloudMarket.Features.Provisioning.Generic;

/// <summary>The vendors with the simple subscription API (Acronis, Bitdefender): one call per item.</summary>
public sealed class GenericVendorConnector(HttpClient http, VendorEndpoints endpoints) : IVendorConnector
{
    public VendorApi Api => VendorApi.Generic;

    public async Task<VendorAnswer> SendAsync(VendorRequest request, CancellationToken ct)
    {
        var (root, apiKey) = await endpoints.ForAsync(Api, ct);
        if (request.Kind == OrderItemKind.NewSubscription)
        {
            var created = await VendorHttp.SendAsync(http, HttpMethod.Post, new Uri(root, "generic/v1/subscriptions"), apiKey, request.IdempotencyKey,
                new
                {
                    offerId = request.OfferId,
                    quantity = request.Quantity,
                    billingCycle = VendorHttp.BillingCycle(request.BillingCycle),
                    customerReference = request.CustomerId.ToString(),
                    customerName = request.CustomerName,
                    adminEmail = request.AdminContact?.Email,
                    addons = request.Addons.Select(a => new { offerId = a.OfferId, quantity = a.Quantity }),
                }, ct);
            return created.ToAnswer();
        }

        object patch = request.Kind switch
        {
            OrderItemKind.IncreaseQuantity or OrderItemKind.DecreaseQuantity => new { offerId = request.OfferId, quantity = request.Quantity },
            OrderItemKind.Suspend => new { offerId = request.OfferId, suspended = true },
            OrderItemKind.Reactivate => new { offerId = request.OfferId, suspended = false },
            OrderItemKind.ChangeAutoRenew => new { offerId = request.OfferId, autoRenew = request.AutoRenew },
            OrderItemKind.Cancel => new { offerId = request.OfferId, cancelled = true },
            _ => throw new InvalidOperationException($"{request.Kind} is not sent to vendors."),
        };
        var changed = await VendorHttp.SendAsync(http, HttpMethod.Patch,
            new Uri(root, $"generic/v1/subscriptions/{Uri.EscapeDataString(request.VendorSubscriptionId!)}"), apiKey, request.IdempotencyKey, patch, ct);
        return changed.ToAnswer();
    }
}
