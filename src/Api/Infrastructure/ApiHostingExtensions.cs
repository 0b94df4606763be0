using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using OrderActors.Api.Endpoints;
using OrderActors.Grains;
using OrderActors.Grains.Orders;
using OrderActors.Runtime;
using OrderActors.Runtime.Hosting;

namespace OrderActors.Api.Infrastructure;

/// <summary>The API's wiring, so that <c>Program.cs</c> stays a few lines.</summary>
public static class ApiHostingExtensions
{
    public static WebApplicationBuilder AddOrderActorsApi(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        var configuration = builder.Configuration;

        services.AddOptions<ApiOptions>().Bind(configuration.GetSection(ApiOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ApiOptions>, ApiOptionsValidator>();
        var cluster = configuration.GetSection(ApiClusterOptions.SectionName).Get<ApiClusterOptions>() ?? new ApiClusterOptions();
        if (string.Equals(cluster.Mode, "Client", StringComparison.OrdinalIgnoreCase))
        {
            // A stateless gateway: grain calls go to the silos that own the grains, by the membership table's view;
            // the event feed is read straight from the database.
            services.AddMembershipReader(configuration);
            services.AddOrderActorsClient(configuration, client => client.AddDomainGrains());
            services.AddOrderActorsStreamReader(configuration);
            services.AddSingleton<IStreamSubscriptions, SubscriptionsOnSilos>();
            services.AddHealthChecks().AddCheck<ClusterReadinessCheck>("cluster", tags: ["ready"]);
        }
        else if (string.Equals(cluster.Mode, "Embedded", StringComparison.OrdinalIgnoreCase))
        {
            services.AddOrderActorsSilo(configuration, silo => silo.AddDomainGrains());
            services.AddOrderActorsDomain(configuration);
            services.AddHealthChecks().AddCheck<SiloReadinessCheck>("silo", tags: ["ready"]);
        }
        else
        {
            throw new OptionsValidationException(ApiClusterOptions.SectionName, typeof(ApiClusterOptions),
                [$"OrderActors:Cluster:Mode is '{cluster.Mode}'; use 'Embedded' (an API with its own silo) or 'Client' (a gateway to the silos of a cluster)."]);
        }

        services.ConfigureHttpJsonOptions(options => ConfigureJson(options.SerializerOptions));
        services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        services.AddProblemDetails();
        services.AddSingleton<IProblemDetailsWriter, ProblemJsonWriter>(); // after the default: used when it declines
        services.AddExceptionHandler<ApiExceptionHandler>();

        services.AddAuthentication(ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        services.AddAuthorization(Policies.Add);

        services.AddOpenApi();
        services.AddSingleton<OrderActors.Runtime.Diagnostics.PrometheusMetrics>();
        builder.WebHost.ConfigureKestrel((context, kestrel) =>
            kestrel.Limits.MaxRequestBodySize = context.Configuration.GetValue(
                $"{ApiOptions.SectionName}:{nameof(ApiOptions.MaxRequestBodyBytes)}", new ApiOptions().MaxRequestBodyBytes));
        return builder;
    }

    public static WebApplication UseOrderActorsApi(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages(WriteStatusCodeProblemAsync);
        app.UseMiddleware<RequestBodyLimitMiddleware>(app.Services.GetRequiredService<IOptions<ApiOptions>>().Value.MaxRequestBodyBytes);
        app.UseAuthentication();
        app.UseAuthorization();

        app.MapOpenApi();
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = check => check.Tags.Contains("ready") });
        var metrics = app.Services.GetRequiredService<OrderActors.Runtime.Diagnostics.PrometheusMetrics>(); // collects from start-up on
        app.MapGet("/metrics", () => Results.Text(metrics.ToString(), "text/plain; version=0.0.4; charset=utf-8")).ExcludeFromDescription();
        app.MapInventoryApiV1();
        app.MapOrdersApiV1();
        app.MapReturnsApiV1();
        app.MapSupportApiV1();
        app.MapShipmentsApiV1();
        app.MapWebhooksApiV1();
        app.MapEventsApiV1();
        app.MapReportsApiV1();
        app.MapClusterApiV1();
        return app;
    }

    // Responses that leave the pipeline with a bare error status (no route, wrong method, a body the framework
    // refused while reading it) get the same problem+json shape and stable types as everything else.
    private static Task WriteStatusCodeProblemAsync(StatusCodeContext context)
    {
        var http = context.HttpContext;
        var status = http.Response.StatusCode;
        var (code, title) = status switch
        {
            400 => ("malformed-request", "The request could not be read."),
            404 => ("not-found", "There is no such endpoint."),
            405 => ("method-not-allowed", "This endpoint does not accept that method."),
            413 => ("payload-too-large", "The request body is too large."),
            415 => ("unsupported-media-type", "Send the body as application/json."),
            _ => ($"http-{status}", $"HTTP {status}."),
        };
        return http.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = http,
            ProblemDetails = Problems.Create(status, code, title),
        }).AsTask();
    }

    public static void ConfigureJson(JsonSerializerOptions options)
    {
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower));
        options.TypeInfoResolver = JsonTypeInfoResolver.Combine(GrainsJsonContext.Default, options.TypeInfoResolver ?? new DefaultJsonTypeInfoResolver());
    }

    // Client mode: ready once the membership view has a silo to send calls to.
    private sealed class ClusterReadinessCheck(OrderActors.Runtime.Membership.IMembershipOracle membership) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
            => Task.FromResult(membership.CurrentView.ActiveSilos.Count > 0
                ? HealthCheckResult.Healthy($"{membership.CurrentView.ActiveSilos.Count} active silo(s) in view {membership.CurrentView.Version}.")
                : HealthCheckResult.Unhealthy("No active silo in the membership view yet."));
    }

    private sealed class SiloReadinessCheck(Silo silo) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
            => await silo.IsHealthyAsync(cancellationToken)
                ? HealthCheckResult.Healthy($"Silo ready with {silo.ActivationCount} activations.")
                : HealthCheckResult.Unhealthy("The silo has not started or its storage does not answer.");
    }
}
