namespace CloudMarket.Features.Provisioning;

/// <summary>Wiring of the provisioning pipeline and the vendor sandbox (filled in by the provisioning work).</summary>
public static class ProvisioningSetup
{
    public static IServiceCollection AddProvisioning(this IServiceCollection services, IConfiguration configuration) => services;

    public static IEndpointRouteBuilder MapVendorSandbox(this IEndpointRouteBuilder app) => app;
}
