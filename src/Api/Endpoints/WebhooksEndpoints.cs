using OrderActors.Api.Infrastructure;
using OrderActors.Api.OpenApi;
using OrderActors.Grains.Webhooks;

namespace OrderActors.Api.Endpoints;

/// <summary>
/// <code>
/// POST   /v1/webhooks                                           register {"url","eventTypes"}: 201 with the secret (shown once)
/// GET    /v1/webhooks                                           the registered endpoints (no secrets)
/// GET    /v1/webhooks/{id}                                      one endpoint with its pending, delivered and failed counts
/// PATCH  /v1/webhooks/{id}                                      change {"url","eventTypes","paused"} (any of them)
/// POST   /v1/webhooks/{id}/rotate-secret                        {"overlapSeconds"}: a new secret (shown once); the old signs too until the overlap ends
/// DELETE /v1/webhooks/{id}                                      stop sending and forget the endpoint and its log
/// GET    /v1/webhooks/{id}/deliveries?limit=&amp;state=             the delivery log, newest first
/// POST   /v1/webhooks/{id}/deliveries/{deliveryId}/redeliver    send that event again (same event id)
/// </code>
/// Admin only.
/// </summary>
public static class WebhooksEndpoints
{
    public const int MaxUrlLength = 2048;
    public const int MaxEventTypes = 50;
    public const int MaxDeliveryPage = 1000;

    public static RouteGroupBuilder MapWebhooksApiV1(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/v1/webhooks").WithTags("Webhooks").RequireAuthorization(Policies.Admin);
        group.MapPost("/", RegisterAsync)
            .WithName("RegisterWebhook").WithSummary("Register an endpoint for event types; the secret is shown only in this answer")
            .Produces<WebhookRegistration>(StatusCodes.Status201Created).ProducesProblems(422);
        group.MapGet("/", ListAsync)
            .WithName("ListWebhooks").WithSummary("The registered endpoints, without secrets")
            .Produces<WebhookList>();
        group.MapGet("/{id}", GetAsync)
            .WithName("GetWebhook").WithSummary("One endpoint with its pending, delivered and failed counts")
            .Produces<WebhookView>().ProducesProblems(404);
        group.MapPatch("/{id}", UpdateAsync)
            .WithName("UpdateWebhook").WithSummary("Change the url, the event types or whether it is paused (any of them)")
            .Produces<WebhookView>().ProducesProblems(404, 422);
        group.MapPost("/{id}/rotate-secret", RotateSecretAsync)
            .WithName("RotateWebhookSecret").WithSummary("A new signing secret (shown only in this answer); the old one signs too until the overlap ends")
            .Produces<WebhookSecretRotation>().ProducesProblems(404, 422);
        group.MapDelete("/{id}", DeleteAsync)
            .WithName("DeleteWebhook").WithSummary("Stop sending and forget the endpoint and its delivery log")
            .Produces(StatusCodes.Status204NoContent).ProducesProblems(404);
        group.MapGet("/{id}/deliveries", GetDeliveriesAsync)
            .WithName("ListWebhookDeliveries").WithSummary("The delivery log, newest first")
            .Produces<WebhookDeliveryLog>().ProducesProblems(404, 422);
        group.MapPost("/{id}/deliveries/{deliveryId}/redeliver", RedeliverAsync)
            .WithName("RedeliverWebhookDelivery").WithSummary("Send that event again now, with the same event id")
            .Produces<WebhookDeliveryView>(StatusCodes.Status202Accepted).ProducesProblems(404);
        return group;
    }

    /// <summary>The body of <c>POST /v1/webhooks</c>.</summary>
    public sealed record RegisterWebhookRequest(string? Url, List<string?>? EventTypes);

    public static async Task<IResult> RegisterAsync(RegisterWebhookRequest? body, IGrainFactory grains)
    {
        var validation = new Validation();
        if (validation.Required("url", body?.Url))
        {
            Url(validation, body!.Url!);
        }

        EventTypes(validation, body?.EventTypes);
        if (!validation.IsValid)
        {
            return Problems.Validation(validation.Errors);
        }

        if (await RefusedTargetAsync(grains, body!.Url!) is { } refused)
        {
            return refused;
        }

        var registration = await Dispatcher(grains).RegisterAsync(new RegisterWebhook(body!.Url!, body.EventTypes!.Select(t => t!).ToArray()));
        return TypedResults.Created($"/v1/webhooks/{registration.Id}", registration);
    }

    /// <summary>The body of <c>PATCH /v1/webhooks/{id}</c>: the members to change (at least one).</summary>
    public sealed record UpdateWebhookRequest(string? Url, List<string?>? EventTypes, bool? Paused);

    public static async Task<IResult> UpdateAsync(string id, UpdateWebhookRequest? body, IGrainFactory grains)
    {
        if (!Validation.IsIdentifier(id))
        {
            return NotFound(id);
        }

        var validation = new Validation();
        if (body is not { Url: not null } and not { EventTypes: not null } and not { Paused: not null })
        {
            validation.Add("body", "must set at least one of url, eventTypes and paused.");
        }

        if (body?.Url is { } url)
        {
            Url(validation, url);
        }

        if (body?.EventTypes is not null)
        {
            EventTypes(validation, body.EventTypes);
        }

        if (!validation.IsValid)
        {
            return Problems.Validation(validation.Errors);
        }

        if (body!.Url is { } target && await RefusedTargetAsync(grains, target) is { } refused)
        {
            return refused;
        }

        var update = new UpdateWebhook(body.Url, body.EventTypes?.Select(t => t!).ToArray(), body.Paused);
        return TypedResults.Ok(await Dispatcher(grains).UpdateAsync(id, update));
    }

    /// <summary>The body of <c>POST /v1/webhooks/{id}/rotate-secret</c> (optional).</summary>
    /// <param name="OverlapSeconds">How long the replaced secret keeps signing beside the new one: 0 to 604800; the configured default (24 h) if absent.</param>
    public sealed record RotateSecretRequest(int? OverlapSeconds);

    public static async Task<IResult> RotateSecretAsync(string id, RotateSecretRequest? body, IGrainFactory grains)
        => Validation.IsIdentifier(id)
            ? TypedResults.Ok(await grains.GetGrain<IWebhookEndpointGrain>(id).RotateSecretAsync(
                new RotateWebhookSecret(body?.OverlapSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : null)))
            : NotFound(id);

    public static async Task<IResult> ListAsync(IGrainFactory grains)
        => TypedResults.Ok(new { webhooks = await Dispatcher(grains).ListAsync() });

    public static async Task<IResult> GetAsync(string id, IGrainFactory grains)
        => Validation.IsIdentifier(id) && await grains.GetGrain<IWebhookEndpointGrain>(id).GetAsync() is { } webhook
            ? TypedResults.Ok(webhook)
            : NotFound(id);

    public static async Task<IResult> DeleteAsync(string id, IGrainFactory grains)
        => Validation.IsIdentifier(id) && await Dispatcher(grains).UnregisterAsync(id)
            ? TypedResults.NoContent()
            : NotFound(id);

    public static async Task<IResult> GetDeliveriesAsync(string id, int? limit, string? state, IGrainFactory grains)
    {
        if (!Validation.IsIdentifier(id))
        {
            return NotFound(id);
        }

        var validation = new Validation();
        if (limit is < 1 or > MaxDeliveryPage)
        {
            validation.Add("limit", $"must be between 1 and {MaxDeliveryPage}.");
        }

        var filter = validation.Enum<WebhookDeliveryState>("state", state, default);
        if (!validation.IsValid)
        {
            return Problems.Validation(validation.Errors);
        }

        var deliveries = await grains.GetGrain<IWebhookEndpointGrain>(id).GetDeliveriesAsync(limit ?? 100, state is null ? null : filter);
        return TypedResults.Ok(new { deliveries });
    }

    public static async Task<IResult> RedeliverAsync(string id, string deliveryId, IGrainFactory grains)
    {
        if (!Validation.IsIdentifier(id))
        {
            return NotFound(id);
        }

        if (!Validation.IsIdentifier(deliveryId))
        {
            return Problems.Result(404, "delivery-not-found", "Delivery not found.", $"Webhook '{id}' has no delivery '{deliveryId}' in its log.");
        }

        var delivery = await grains.GetGrain<IWebhookEndpointGrain>(id).RedeliverAsync(deliveryId);
        return TypedResults.Accepted($"/v1/webhooks/{id}/deliveries", delivery);
    }

    /// <summary>
    /// 422 <c>webhook-target-not-allowed</c> (the reason under <c>errors.url</c>) if the silos would not send to
    /// <paramref name="url"/>: a loopback, private, link-local or other non-public address, unless allowed.
    /// </summary>
    private static async Task<IResult?> RefusedTargetAsync(IGrainFactory grains, string url)
        => await grains.GetGrain<IWebhookTargetGrain>(0).CheckAsync(url) is { } why
            ? Problems.Result(StatusCodes.Status422UnprocessableEntity, "webhook-target-not-allowed", "The webhook url is not a public address.", why,
                new Dictionary<string, object?> { ["errors"] = new Dictionary<string, string[]> { ["url"] = [why] } })
            : null;

    private static void Url(Validation validation, string url)
    {
        if (!IsValidUrl(url, out var why))
        {
            validation.Add("url", why);
        }
    }

    private static void EventTypes(Validation validation, List<string?>? eventTypes)
    {
        if (eventTypes is null || eventTypes.Count == 0)
        {
            validation.Add("eventTypes", "is required: a non-empty list of event types, prefixes ending in '.*', or '*'.");
        }
        else if (eventTypes.Count > MaxEventTypes)
        {
            validation.Add("eventTypes", $"may hold at most {MaxEventTypes} entries.");
        }
        else
        {
            for (var i = 0; i < eventTypes.Count; i++)
            {
                if (!WebhookEventTypes.IsKnownPattern(eventTypes[i]))
                {
                    validation.Add($"eventTypes[{i}]", $"'{eventTypes[i]}' is not a known event type (e.g. 'order.confirmed'), a prefix of known types ending in '.*' (e.g. 'shipment.*'), or '*'.");
                }
            }
        }
    }

    /// <summary>An absolute http or https url with a host, no user info and no fragment.</summary>
    public static bool IsValidUrl(string url, out string why)
    {
        why = "";
        if (url.Length > MaxUrlLength)
        {
            why = $"must be at most {MaxUrlLength} characters.";
            return false;
        }

        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)
            || string.IsNullOrEmpty(uri.Host))
        {
            why = "must be an absolute http or https url, e.g. https://shop.example.com/hooks/orders.";
            return false;
        }

        if (uri.UserInfo.Length > 0 || uri.Fragment.Length > 0)
        {
            why = "must not hold user info or a fragment; the signature authenticates deliveries.";
            return false;
        }

        return true;
    }

    private static IWebhookDispatcherGrain Dispatcher(IGrainFactory grains) => grains.GetGrain<IWebhookDispatcherGrain>(OrderActors.EventLog.EventLogStreamIdMappers.SingleGrainKey);

    private static IResult NotFound(string id) => Problems.Result(404, "webhook-not-found", "Webhook not found.", $"There is no webhook '{id}'.");
}
