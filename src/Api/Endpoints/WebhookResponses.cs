using OrderActors.Grains.Webhooks;

namespace OrderActors.Api.Endpoints;

/// <summary>The body of <c>GET /v1/webhooks</c>, as the OpenAPI document describes it.</summary>
public sealed record WebhookList(IReadOnlyList<WebhookSummary> Webhooks);

/// <summary>The body of <c>GET /v1/webhooks/{id}/deliveries</c>, as the OpenAPI document describes it.</summary>
public sealed record WebhookDeliveryLog(IReadOnlyList<WebhookDeliveryView> Deliveries);
