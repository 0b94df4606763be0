using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;

namespace OrderActors.Tests.Infrastructure;

/// <summary>One status a route answered: the route's method and template, and a request that got it.</summary>
public sealed record AnsweredStatus(string Method, string Route, int Status, string Example);

/// <summary>
/// Records, for every response of the test host, the route that handled it and the status it answered, so tests can
/// check each one against the OpenAPI document (<see cref="OpenApiContract"/>).
/// </summary>
public sealed class AnsweredStatuses : IStartupFilter
{
    private readonly ConcurrentDictionary<(string Method, string Route, int Status), string> _answered = new();

    public IReadOnlyCollection<AnsweredStatus> All
        => [.. _answered.Select(a => new AnsweredStatus(a.Key.Method, a.Key.Route, a.Key.Status, a.Value))];

    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.Use(async (context, following) =>
        {
            // The exception handler clears the endpoint before it writes the problem: remember the one routing chose.
            var routed = new RoutedEndpointFeature();
            context.Features.Set<IEndpointFeature>(routed);
            await following(context);
            if (routed.Routed is RouteEndpoint endpoint)
            {
                var route = "/" + endpoint.RoutePattern.RawText!.Trim('/');
                var example = $"{context.Request.Method} {context.Request.Path}{context.Request.QueryString}";
                _answered.TryAdd((context.Request.Method, route, context.Response.StatusCode), example.Length <= 160 ? example : example[..160] + "…");
            }
        });
        next(app);
    };

    private sealed class RoutedEndpointFeature : IEndpointFeature
    {
        private Endpoint? _endpoint;

        public Endpoint? Routed { get; private set; }

        public Endpoint? Endpoint
        {
            get => _endpoint;
            set
            {
                _endpoint = value;
                Routed = value ?? Routed;
            }
        }
    }
}
