using System.Collections.Concurrent;
using System.Net;
using CloudMarket.BrowserTests.Infrastructure;
using CloudMarket.Features.Integrations.Webhooks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CloudMarket.BrowserTests;

/// <summary>The Webhooks page: add an endpoint (its secret shown once), send a test event, see the delivery in the log.</summary>
public sealed class WebhooksPageTests(AppServer app, Chromium chromium) : BrowserTest(app, chromium), IClassFixture<AppServer>
{
    [Fact]
    public async Task AnAdminAddsAnEndpoint_SendsATest_AndSeesTheDeliveryInTheLog()
    {
        var received = new ConcurrentQueue<(string Body, string? Signature, string? Type)>();
        var receiverBuilder = WebApplication.CreateSlimBuilder();
        receiverBuilder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        receiverBuilder.Logging.ClearProviders();
        await using var receiver = receiverBuilder.Build();
        receiver.MapPost("/hook", async (HttpContext http) =>
        {
            var body = await new StreamReader(http.Request.Body).ReadToEndAsync();
            received.Enqueue((body, http.Request.Headers[WebhookSignature.SignatureHeader], http.Request.Headers[WebhookSignature.EventTypeHeader]));
            return Results.Ok();
        });
        await receiver.StartAsync();
        var url = receiver.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/hook";

        var page = await NewPageAsync();
        await SignInAsync(page, SellerAdmin);
        await page.GetByRole(AriaRole.Link, new() { Name = "Webhooks" }).ClickAsync();
        await page.GetByLabel("Endpoint URL").FillAsync(url);
        await page.GetByLabel("Description").FillAsync("Our PSA");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add endpoint" }).ClickAsync();
        var secret = (await page.GetByTestId("new-secret").InnerTextAsync()).Trim();
        Assert.StartsWith("whsec_", secret);
        await Assertions.Expect(page.GetByTestId("webhook-row").Filter(new() { HasText = url })).ToBeVisibleAsync();

        // The secret is shown once: not after a reload.
        await page.GotoAsync("/webhooks");
        Assert.DoesNotContain(secret, await page.ContentAsync());

        await page.GetByRole(AriaRole.Button, new() { Name = $"Send test to {url}" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("webhooks-message")).ToContainTextAsync("Test event");
        var row = page.GetByTestId("delivery-row").Filter(new() { HasText = "webhook.test" });
        for (var i = 0; i < 300 && await row.CountAsync() == 0; i++)
        {
            await Task.Delay(100);
            await page.GotoAsync("/webhooks");
        }
        await Assertions.Expect(row.First).ToContainTextAsync("200");

        var (body, signature, type) = Assert.Single(received);
        Assert.Equal("webhook.test", type);
        var t = DateTimeOffset.FromUnixTimeSeconds(long.Parse(signature!.Split(',')[0][2..]));
        Assert.True(WebhookSignature.Verify(secret, signature, body, t, TimeSpan.FromMinutes(5)));
        Assert.Empty(ScriptProblems);
    }
}
