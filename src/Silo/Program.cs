using OrderActors.Grains;
using OrderActors.Runtime;
using OrderActors.Runtime.Diagnostics;
using OrderActors.Runtime.Hosting;

// A silo process: the grains, their storage, reminders and stream subscriptions, plus health and metrics on
// ASPNETCORE_URLS. Configuration (appsettings.json or environment variables, __ for :): OrderActors:Storage for the
// database, OrderActors:Cluster (Enabled, AdvertisedHost, SiloPort, ...) to join a cluster; see the README.
var builder = WebApplication.CreateBuilder(args);
builder.Services.AddOrderActorsSilo(builder.Configuration, silo => silo.AddDomainGrains());
builder.Services.AddOrderActorsDomain(builder.Configuration);
builder.Services.AddSingleton<PrometheusMetrics>();

var app = builder.Build();
var metrics = app.Services.GetRequiredService<PrometheusMetrics>(); // collects from start-up on
app.MapGet("/health/live", () => Results.Ok(new { status = "live" }));
app.MapGet("/health/ready", async (Silo silo, CancellationToken cancellationToken) =>
    await silo.IsHealthyAsync(cancellationToken)
        ? Results.Ok(new { status = "ready", address = silo.Address?.ToString(), activations = silo.ActivationCount })
        : Results.Json(new { status = "not-ready", address = silo.Address?.ToString() }, statusCode: StatusCodes.Status503ServiceUnavailable));
app.MapGet("/metrics", () => Results.Text(metrics.ToString(), "text/plain; version=0.0.4; charset=utf-8"));
app.Run();
