using OrderActors.Grains;
using OrderActors.EventLog;
using System.Text;
using System.Text.Json;
using OrderActors.Api.Infrastructure;
using OrderActors.Api.OpenApi;
using OrderActors.Grains.Events;

namespace OrderActors.Api.Endpoints;

/// <summary>
/// <code>
/// GET /v1/events?after=&amp;limit=        the global feed, a page at a time; text/event-stream tails it live
/// GET /v1/orders/{id}/events?after=     one order's stream (JSON or text/event-stream)
/// </code>
/// A live tail resumes after the <c>Last-Event-ID</c> header (the global position, or the order stream's
/// sequence), so a client that reconnects misses nothing.
/// </summary>
public static class EventsEndpoints
{
    public const int MaxPage = 1000;

    private const string EventStream = "text/event-stream";

    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(15);

    public static IEndpointRouteBuilder MapEventsApiV1(this IEndpointRouteBuilder routes)
    {
        // JSON a page at a time, or with Accept: text/event-stream a live tail of the same events; the handlers answer either.
        routes.MapGet("/v1/events", GetFeedAsync).WithTags("Events").RequireAuthorization(Policies.ReadEvents)
            .WithName("GetEvents").WithSummary("The global event feed, a page at a time, or a live tail as text/event-stream")
            .Produces<EventsPage>(StatusCodes.Status200OK, "application/json", EventStream)
            .ProducesProblems(422);
        routes.MapGet("/v1/orders/{id}/events", GetOrderEventsAsync).WithTags("Events").RequireAuthorization(Policies.ReadOrders)
            .WithName("GetOrderEvents").WithSummary("One order's event stream, a page at a time, or a live tail as text/event-stream")
            .Produces<EventsPage>(StatusCodes.Status200OK, "application/json", EventStream)
            .ProducesProblems(404, 422);
        return routes;
    }

    /// <summary>One event as the API shows it; <c>data</c> is the event's own JSON.</summary>
    public sealed record EventResource(long Position, string Stream, long Sequence, string Type, DateTimeOffset CreatedAt, JsonElement Data);

    /// <summary>A page of events; <c>next</c> is the cursor to pass as <c>after</c> for the following page.</summary>
    public sealed record EventsPage(IEnumerable<EventResource> Events, long Next);

    public static async Task<IResult> GetFeedAsync(HttpContext http, [FromKeyedServices(OrderActorsStorage.EventLog)] IEventLogReader streams, long? after, int? limit)
    {
        if (Invalid(after, limit) is { } problem)
        {
            return problem;
        }

        var from = LastEventId(http) ?? after ?? 0;
        if (WantsEventStream(http))
        {
            await TailAsync(http, (position, token) => streams.ReadAllAsync(position, MaxPage, token), from, e => e.Position);
            return Results.Empty;
        }

        var page = await streams.ReadAllAsync(from, limit ?? 100, http.RequestAborted);
        return TypedResults.Ok(new EventsPage(page.Select(ToResource), page.Count == 0 ? from : page[^1].Position));
    }

    public static async Task<IResult> GetOrderEventsAsync(string id, HttpContext http, [FromKeyedServices(OrderActorsStorage.EventLog)] IEventLogReader streams, long? after, int? limit)
    {
        if (!Validation.IsIdentifier(id))
        {
            return Problems.Result(404, "order-not-found", "Order not found.", $"There is no order '{id}'.");
        }

        if (Invalid(after, limit) is { } problem)
        {
            return problem;
        }

        var from = LastEventId(http) ?? after ?? 0;
        if (WantsEventStream(http))
        {
            await TailAsync(http, (sequence, token) => streams.ReadStreamAsync(StreamNamespaces.Orders, id, sequence, MaxPage, token), from, e => e.Sequence);
            return Results.Empty;
        }

        var page = await streams.ReadStreamAsync(StreamNamespaces.Orders, id, from, limit ?? 100, http.RequestAborted);
        if (page.Count == 0 && from == 0)
        {
            return Problems.Result(404, "order-not-found", "Order not found.", $"There is no order '{id}'.");
        }

        return TypedResults.Ok(new EventsPage(page.Select(ToResource), page.Count == 0 ? from : page[^1].Sequence));
    }

    private static IResult? Invalid(long? after, int? limit)
    {
        var validation = new Validation();
        if (after < 0)
        {
            validation.Add("after", "must be zero or more.");
        }

        if (limit is < 1 or > MaxPage)
        {
            validation.Add("limit", $"must be between 1 and {MaxPage}.");
        }

        return validation.IsValid ? null : Problems.Validation(validation.Errors);
    }

    private static bool WantsEventStream(HttpContext http)
        => http.Request.Headers.Accept.Any(a => a?.Contains(EventStream, StringComparison.OrdinalIgnoreCase) == true);

    private static long? LastEventId(HttpContext http)
        => long.TryParse(http.Request.Headers["Last-Event-ID"].ToString(), out var id) && id >= 0 ? id : null;

    // Server-sent events: each event's id is its cursor, so EventSource's automatic reconnect resumes exactly.
    private static async Task TailAsync(HttpContext http, Func<long, CancellationToken, Task<IReadOnlyList<EventLogEntry>>> read, long from, Func<EventLogEntry, long> cursor)
    {
        var response = http.Response;
        response.Headers.ContentType = EventStream;
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        await response.Body.FlushAsync(http.RequestAborted);

        // A live tail ends when the client leaves or the process stops, whichever comes first.
        var stopping = http.RequestServices.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
        using var ended = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted, stopping);
        var token = ended.Token;
        var lastWrite = DateTime.UtcNow;
        try
        {
            while (!token.IsCancellationRequested)
            {
                var batch = await read(from, token);
                foreach (var e in batch)
                {
                    var data = JsonSerializer.Serialize(ToResource(e), ApiJson(http));
                    await response.WriteAsync($"id: {cursor(e)}\nevent: {e.EventType}\ndata: {data}\n\n", Encoding.UTF8, token);
                    from = cursor(e);
                }

                if (batch.Count > 0)
                {
                    await response.Body.FlushAsync(token);
                    lastWrite = DateTime.UtcNow;
                    continue;
                }

                if (DateTime.UtcNow - lastWrite > Heartbeat)
                {
                    await response.WriteAsync(": keep-alive\n\n", token);
                    await response.Body.FlushAsync(token);
                    lastWrite = DateTime.UtcNow;
                }

                await Task.Delay(PollInterval, token);
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // the client went away, or the process is stopping
        }
    }

    private static JsonSerializerOptions ApiJson(HttpContext http)
        => http.RequestServices.GetRequiredService<Microsoft.Extensions.Options.IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions;

    private static EventResource ToResource(EventLogEntry e)
        => new(e.Position, $"{e.Namespace}/{e.Key}", e.Sequence, e.EventType, e.CreatedAt, JsonDocument.Parse(e.Payload).RootElement.Clone());
}
