using OrderActors.Grains;
using OrderActors.Runtime;
using OrderActors.Runtime.Hosting;

// A silo process: the grains, their storage and reminders, plus health endpoints on ASPNETCORE_URLS.
// Storage comes from OrderActors__Storage__Provider / OrderActors__Storage__ConnectionString.
var builder = WebApplication.CreateBuilder(args);
builder.Services.AddOrderActorsSilo(builder.Configuration, silo => silo.AddDomainGrains());
builder.Services.AddOrderActorsDomain(builder.Configuration);

var app = builder.Build();
app.MapGet("/health/live", () => Results.Ok(new { status = "live" }));
app.MapGet("/health/ready", async (Silo silo, CancellationToken cancellationToken) =>
    await silo.IsHealthyAsync(cancellationToken)
        ? Results.Ok(new { status = "ready", activations = silo.ActivationCount })
        : Results.Json(new { status = "not-ready" }, statusCode: StatusCodes.Status503ServiceUnavailable));
app.Run();
