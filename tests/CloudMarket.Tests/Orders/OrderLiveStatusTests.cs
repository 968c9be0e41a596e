using CloudMarket.Features.Orders;

namespace CloudMarket.Tests.Orders;

/// <summary>
/// A page must never carry a newer live signature than the orders it shows: its first poll would find nothing
/// moved and leave the old status on screen (an order the worker settled between the page's two reads).
/// </summary>
public sealed class OrderLiveStatusTests
{
    private static OrderLiveStatus.LiveDto Live(OrderStatus status) =>
        new([new OrderLiveStatus.LiveOrderDto(7, status, "", 3, 1, 1, false)], $"7:{status}:3:1", InFlight: false);

    [Fact]
    public void AnOrderThatMovedAfterThePageReadIt_LeavesTheSignatureEmpty_AndTheFollowingOn()
    {
        var rendered = Live(OrderStatus.ProvisioningFailed).AsRendered([(7, OrderStatus.ProvisioningStarted)]);
        Assert.Equal("", rendered.Signature);
        Assert.True(rendered.InFlight);
    }

    [Fact]
    public void AnOrderShownAsItIs_KeepsItsSignature()
    {
        var live = Live(OrderStatus.ProvisioningFailed);
        Assert.Equal(live, live.AsRendered([(7, OrderStatus.ProvisioningFailed)]));
    }
}
