using OrderActors.Grains.Hosting;
using Orleans.Dashboard;
using Orleans.Runtime;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

// A silo process: the grains, their state, reminders and streams, plus health and Prometheus metrics on
// ASPNETCORE_URLS. Configuration (appsettings.json or environment variables, __ for :): OrderActors:Storage for the
// database, OrderActors:Cluster (Enabled, AdvertisedHost, SiloPort, GatewayPort, ...) to join a cluster; see the README.
var builder = WebApplication.CreateBuilder(args);
var settings = builder.Configuration.GetSection(SiloSettings.SectionName).Get<SiloSettings>() ?? new SiloSettings();
builder.UseOrleans(silo =>
{
    silo.AddOrderActors(builder.Configuration);
    if (settings.Dashboard)
    {
        silo.AddDashboard(); // the API gateways serve the pages; this silo collects its statistics
    }
});
var telemetry = builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics.AddMeter("Microsoft.Orleans").AddPrometheusExporter());
if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
{
    // Traces only when a collector takes them, as in the API: recorded and never sent they cost CPU for nothing.
    telemetry.WithTracing(tracing => tracing.AddSource("Microsoft.Orleans.Runtime", "Microsoft.Orleans.Application", "Microsoft.Orleans.Storage").AddOtlpExporter());
}

var app = builder.Build();
app.MapGet("/health/live", () => Results.Ok(new { status = "live" }));
app.MapGet("/health/ready", (ISiloStatusOracle membership) =>
{
    // Ready once this silo is an active member of the cluster.
    return membership.CurrentStatus == SiloStatus.Active
        ? Results.Ok(new { status = "ready", address = membership.SiloAddress.ToString() })
        : Results.Json(new { status = "not-ready", address = membership.SiloAddress.ToString() }, statusCode: StatusCodes.Status503ServiceUnavailable);
});
app.MapPrometheusScrapingEndpoint("/metrics");
app.Run();
