using CloudMarket.Features.Catalog;
using CloudMarket.Features.Identity;
using CloudMarket.Features.Subscriptions;
using CloudMarket.VendorPolicies;

namespace CloudMarket.Features.Orders;

/// <summary>
/// The changes a subscription offers (its <c>actions</c> and <c>unavailableActions</c>) and the rules
/// of each that depend on the subscription's state: its status, its offer's limits and the
/// cancellation window (<see cref="CancellationPolicy"/>). The order validator refuses an item with
/// the same words, so a page never offers what placing would refuse, and says why not.
/// </summary>
public static class SubscriptionActions
{
    public const string Increase = "increase";
    public const string Decrease = "decrease";
    public const string Cancel = "cancel";
    public const string Suspend = "suspend";
    public const string Reactivate = "reactivate";
    public const string ChangeAutoRenew = "changeAutoRenew";
    public const string ChangeMarkup = "changeMarkup";

    /// <summary>Every change, in the order the pages offer them.</summary>
    public static readonly IReadOnlyList<string> All = [Increase, Decrease, Cancel, Suspend, Reactivate, ChangeAutoRenew, ChangeMarkup];

    /// <summary>The order item kind each change becomes in the cart.</summary>
    public static OrderItemKind KindOf(string action) => action switch
    {
        Increase => OrderItemKind.IncreaseQuantity,
        Decrease => OrderItemKind.DecreaseQuantity,
        Cancel => OrderItemKind.Cancel,
        Suspend => OrderItemKind.Suspend,
        Reactivate => OrderItemKind.Reactivate,
        ChangeAutoRenew => OrderItemKind.ChangeAutoRenew,
        ChangeMarkup => OrderItemKind.ChangeMarkup,
        _ => throw new ArgumentOutOfRangeException(nameof(action), action, null),
    };

    /// <summary>The change an order item kind makes (its action's name).</summary>
    public static string Of(OrderItemKind kind) => All.First(a => KindOf(a) == kind);

    /// <summary>
    /// The changes the viewer's role could make to a subscription at all (<see cref="Permissions"/>): every
    /// change for buyers, the markup only for those who may change it (never a customer-level user).
    /// </summary>
    public static IEnumerable<string> OfRole(Actor actor) =>
        All.Where(a => a == ChangeMarkup ? actor.CanBuy && actor.CanChangeMarkup && actor.SeesMarkupAndCost : actor.CanBuy);

    /// <summary>Why the change cannot be made to the subscription now; null when it can (some quantity, for increase and decrease).</summary>
    public static string? WhyNot(string action, Subscription s, Offer offer, DateTime now)
    {
        if (s.Status == SubscriptionStatus.Cancelled)
            return "The subscription was cancelled; it can no longer be changed.";
        return action switch
        {
            Increase when s.Quantity >= offer.MaxQuantity => $"{offer.Name} is sold in quantities up to {offer.MaxQuantity}; this subscription has {s.Quantity}.",
            Decrease when s.Quantity <= offer.MinQuantity => $"{offer.Name} is sold in quantities from {offer.MinQuantity}; this subscription has {s.Quantity}.",
            Decrease => s.DecreaseRefusal(offer, s.Quantity - 1, now),
            Cancel => s.CancelRefusal(offer, now),
            Suspend when !offer.CanSuspend => $"{offer.Name} cannot be suspended.",
            Suspend when s.Status != SubscriptionStatus.Active => "Only an active subscription can be suspended.",
            Reactivate when s.Status != SubscriptionStatus.Suspended => "Only a suspended subscription can be reactivated.",
            _ => null,
        };
    }

    /// <summary>The changes the viewer may make now, and those their role could make but not now, each with why.</summary>
    public static (IReadOnlyList<string> Actions, IReadOnlyList<UnavailableActionDto> Unavailable) For(Subscription s, Offer offer, Actor actor, DateTime now)
    {
        var actions = new List<string>();
        var unavailable = new List<UnavailableActionDto>();
        foreach (var action in OfRole(actor))
        {
            if (WhyNot(action, s, offer, now) is { } reason) unavailable.Add(new UnavailableActionDto(action, reason));
            else actions.Add(action);
        }
        return (actions, unavailable);
    }
}

/// <summary>An action the viewer's role could take, but not now, and why (workflow.md, "Why not").</summary>
[System.ComponentModel.Description("An action the caller's role could take but not now (`name`, as in `actions`), and why not, in the user's words " +
    "(e.g. a transitional status, or a cancellation window that closed, with its deadline).")]
public sealed record UnavailableActionDto(string Name, string Reason);
