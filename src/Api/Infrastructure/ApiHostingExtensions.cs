using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using OrderActors.Api.Endpoints;
using OrderActors.Api.OpenApi;
using OrderActors.Grains;
using OrderActors.Grains.Orders;
using Microsoft.Extensions.DependencyInjection.Extensions;
using OrderActors.EventLog.Hosting;
using OrderActors.Grains.Hosting;
using Orleans.Configuration;
using Orleans.Dashboard;
using Orleans.Runtime;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

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
        var cluster = configuration.GetSection(ClusterSettings.SectionName).Get<ClusterSettings>() ?? new ClusterSettings();
        var storage = configuration.GetSection(StorageSettings.SectionName).Get<StorageSettings>() ?? new StorageSettings();
        if (string.Equals(cluster.Mode, "Client", StringComparison.OrdinalIgnoreCase))
        {
            // A stateless gateway: an Orleans client that finds the silos in the membership table; the event feed is
            // read straight from the log.
            var silo = configuration.GetSection(SiloSettings.SectionName).Get<SiloSettings>() ?? new SiloSettings();
            builder.UseOrleansClient(client =>
            {
                client.UseAdoNetClustering(o => (o.Invariant, o.ConnectionString) = (storage.Invariant, storage.ConnectionString));
                client.Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (cluster.ClusterId, cluster.ServiceId));
                client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = silo.CallTimeout);
                client.Configure<GatewayOptions>(o => o.GatewayListRefreshPeriod = TimeSpan.FromSeconds(5));
                client.AddActivityPropagation();
                client.Services.AddSingleton<SiloLossSignal>();
                client.AddGatewayCountChangedHandler(sp => sp.GetRequiredService<SiloLossSignal>().OnGatewayCountChanged);
                client.AddOutgoingGrainCallFilter<SiloLossCallFilter>();
                if (silo.Dashboard)
                {
                    client.AddDashboard();
                }
            });
            services.AddSingleton(new ApiMode(IsClient: true, cluster.ClusterId));
        }
        else if (string.Equals(cluster.Mode, "Embedded", StringComparison.OrdinalIgnoreCase))
        {
            EmbeddedDataFolder.Lock(services, storage, builder.Environment.ContentRootPath);
            var dashboard = (configuration.GetSection(SiloSettings.SectionName).Get<SiloSettings>() ?? new SiloSettings()).Dashboard;
            builder.UseOrleans(silo =>
            {
                silo.AddOrderActors(configuration);
                if (dashboard)
                {
                    silo.AddDashboard();
                }
            });
            services.AddSingleton(new ApiMode(IsClient: false, cluster.ClusterId));
        }
        else
        {
            throw new OptionsValidationException(ClusterSettings.SectionName, typeof(ClusterSettings),
                [$"OrderActors:Cluster:Mode is '{cluster.Mode}'; use 'Embedded' (an API with its own silo) or 'Client' (a gateway to the silos of a cluster)."]);
        }

        services.AddEventLogReader(OrderActorsStorage.EventLog, o => (o.Invariant, o.ConnectionString) = (storage.Invariant, storage.ConnectionString));
        services.TryAddSingleton(TimeProvider.System);
        services.AddHealthChecks().AddCheck<ClusterReadinessCheck>("cluster", tags: ["ready"]);
        var telemetry = services.AddOpenTelemetry()
            .WithMetrics(metrics => metrics
                .AddMeter("Microsoft.Orleans")
                .AddAspNetCoreInstrumentation()
                .AddPrometheusExporter());
        if (TracesWanted(configuration))
        {
            telemetry.WithTracing(tracing => tracing
                .AddSource("Microsoft.Orleans.Runtime", "Microsoft.Orleans.Application", "Microsoft.Orleans.Storage")
                .AddAspNetCoreInstrumentation()
                .AddOtlpExporter());
        }

        services.ConfigureHttpJsonOptions(options => ConfigureJson(options.SerializerOptions));
        services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        services.AddProblemDetails();
        services.AddSingleton<IProblemDetailsWriter, ProblemJsonWriter>(); // after the default: used when it declines
        services.AddExceptionHandler<ApiExceptionHandler>();

        services.AddSingleton<ApiKeyStore>();
        services.AddApiRateLimiting();
        services.AddAuthentication(ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        services.AddAuthorization(Policies.Add);

        services.AddOrderActorsOpenApi();
        builder.WebHost.ConfigureKestrel((context, kestrel) =>
            kestrel.Limits.MaxRequestBodySize = context.Configuration.GetValue(
                $"{ApiOptions.SectionName}:{nameof(ApiOptions.MaxRequestBodyBytes)}", new ApiOptions().MaxRequestBodyBytes));
        return builder;
    }

    /// <summary>
    /// Whether to record traces: only when there is an OpenTelemetry collector to send them to (the standard
    /// OTEL_EXPORTER_OTLP_ENDPOINT). A trace is a span per request, grain call and storage operation; recorded and
    /// never sent they cost the silo CPU for nothing.
    /// </summary>
    public static bool TracesWanted(IConfiguration configuration) => !string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);

    public static WebApplication UseOrderActorsApi(this WebApplication app)
    {
        app.Services.GetService<DataFolderLock>(); // the host owns the data folder's lock from here and releases it when disposed
        app.UseExceptionHandler();
        app.UseStatusCodePages(WriteStatusCodeProblemAsync);
        app.UseMiddleware<RequestBodyLimitMiddleware>(app.Services.GetRequiredService<IOptions<ApiOptions>>().Value.MaxRequestBodyBytes);
        app.UseAuthentication();
        app.UseRateLimiter(); // after authentication, so it knows the key; before the 401, so guessing keys is limited too
        app.UseMiddleware<RequireApiKeyMiddleware>();
        app.UseAuthorization();

        app.MapOrderActorsOpenApi();
        app.MapHealthChecks(HealthEndpointsTransformer.LivePath, new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks(HealthEndpointsTransformer.ReadyPath, new HealthCheckOptions { Predicate = check => check.Tags.Contains("ready") });
        app.MapPrometheusScrapingEndpoint("/metrics");

        // The /v1 routes, each declaring what it answers; the group adds what the pipeline in front of them answers.
        var api = app.MapGroup("").WithPipelineProblems();
        api.MapCatalogApiV1();
        api.MapTaxApiV1();
        api.MapDiscountsApiV1();
        api.MapInventoryApiV1();
        api.MapStockMovementsApiV1();
        api.MapOrdersApiV1();
        api.MapCartsApiV1();
        api.MapQuotesApiV1();
        api.MapCustomersApiV1();
        api.MapReturnsApiV1();
        api.MapSupportApiV1();
        api.MapShipmentsApiV1();
        api.MapLocationsApiV1();
        api.MapWebhooksApiV1();
        api.MapEventsApiV1();
        api.MapReportsApiV1();
        api.MapClusterApiV1();
        if ((app.Configuration.GetSection(SiloSettings.SectionName).Get<SiloSettings>() ?? new SiloSettings()).Dashboard)
        {
            app.MapDashboard();
        }

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

    // Ready once a silo answers: the co-hosted one (embedded) or one the gateway reaches (client mode).
    private sealed class ClusterReadinessCheck(IGrainFactory grains) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                var management = grains.GetGrain<IManagementGrain>(0);
#pragma warning disable CA2016 // a grain method takes no token: the wait below is bounded instead
                var hosts = await management.GetHosts(onlyActive: true).WaitAsync(TimeSpan.FromSeconds(5), cancellationToken);
#pragma warning restore CA2016
                return hosts.Count > 0
                    ? HealthCheckResult.Healthy($"{hosts.Count} active silo(s).")
                    : HealthCheckResult.Unhealthy("No active silo yet.");
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                return HealthCheckResult.Unhealthy("No silo answers yet.", ex);
            }
        }
    }
}
