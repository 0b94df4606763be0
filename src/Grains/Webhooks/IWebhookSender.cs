using OrderActors.Grains.Events;
using System.Buffers;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace OrderActors.Grains.Webhooks;

/// <summary>A webhook request ready to send: url, signed JSON body and headers.</summary>
public sealed record WebhookHttpRequest(Uri Url, byte[] Body, IReadOnlyList<KeyValuePair<string, string>> Headers);

/// <summary>What a receiver answered: its status code, or why there was no answer.</summary>
public sealed record WebhookHttpResponse(int? StatusCode, string? Error);

/// <summary>The port that sends webhook requests (HTTP by default; tests may swap it).</summary>
public interface IWebhookSender
{
    /// <summary>Sends <paramref name="request"/> and reports the outcome; never throws for a receiver's failure.</summary>
    Task<WebhookHttpResponse> SendAsync(WebhookHttpRequest request, CancellationToken cancellationToken);
}

/// <summary>Builds the request for one attempt of a delivery.</summary>
public static class WebhookRequests
{
    /// <summary>
    /// The body <c>{"id","type","createdAt","stream","sequence","data"}</c> (<c>data</c> is the event's own JSON), signed
    /// at <paramref name="now"/> with each of <paramref name="secrets"/> (the current one first, then those a rotation
    /// replaced that are still valid), with the event id, type, timestamp, signature and delivery id headers.
    /// </summary>
    public static WebhookHttpRequest Create(Uri url, IReadOnlyList<string> secrets, string deliveryId, EventLogEntry streamEvent, DateTimeOffset now)
    {
        var eventId = WebhookEventIds.Create(new StreamRef(streamEvent.Namespace, streamEvent.Key), streamEvent.Sequence);
        var body = Body(eventId, streamEvent);
        var timestamp = now.ToUnixTimeSeconds();
        return new WebhookHttpRequest(url, body,
        [
            new(WebhookHeaders.EventId, eventId),
            new(WebhookHeaders.EventType, streamEvent.EventType),
            new(WebhookHeaders.Timestamp, timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            new(WebhookHeaders.Signature, WebhookSignature.Compute(secrets, timestamp, body)),
            new(WebhookHeaders.DeliveryId, deliveryId),
        ]);
    }

    private static byte[] Body(string eventId, EventLogEntry streamEvent)
    {
        var buffer = new ArrayBufferWriter<byte>(streamEvent.Payload.Length + 256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("id", eventId);
            writer.WriteString("type", streamEvent.EventType);
            writer.WriteString("createdAt", streamEvent.CreatedAt.ToUniversalTime());
            writer.WriteString("stream", $"{streamEvent.Namespace}/{streamEvent.Key}");
            writer.WriteNumber("sequence", streamEvent.Sequence);
            writer.WritePropertyName("data");
            writer.WriteRawValue(streamEvent.Payload);
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }
}

/// <summary>
/// Sends webhooks with one shared <see cref="HttpClient"/>: POST, <c>application/json</c>, no redirects followed (a
/// 3xx is a failure), <see cref="WebhookOptions.Timeout"/> per attempt. Only the status code is read. Unless private
/// targets are allowed, it connects only to public addresses (<see cref="WebhookTargetPolicy.ConnectAsync"/>) and
/// directly, not through a proxy, so that the address checked is the receiver's.
/// </summary>
internal sealed class HttpWebhookSender : IWebhookSender, IDisposable
{
    private readonly HttpClient _client;
    private readonly TimeSpan _timeout;

    public HttpWebhookSender(IOptions<WebhookOptions> options, WebhookTargetPolicy targets)
    {
        _timeout = options.Value.Timeout;
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            ConnectTimeout = _timeout,
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
        };
        if (!targets.AllowPrivateTargets)
        {
            handler.ConnectCallback = targets.ConnectAsync;
            handler.UseProxy = false;
        }

        _client = new HttpClient(handler)
        {
            Timeout = _timeout,
        };
        _client.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("OrderActors-Webhooks", "1.0"));
    }

    public async Task<WebhookHttpResponse> SendAsync(WebhookHttpRequest request, CancellationToken cancellationToken)
    {
        using var message = new HttpRequestMessage(HttpMethod.Post, request.Url) { Content = new ByteArrayContent(request.Body) };
        message.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        foreach (var (name, value) in request.Headers)
        {
            message.Headers.TryAddWithoutValidation(name, value);
        }

        try
        {
            using var response = await _client.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            var status = (int)response.StatusCode;
            return new WebhookHttpResponse(status, response.IsSuccessStatusCode ? null : $"HTTP {status} {response.ReasonPhrase}".TrimEnd());
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new WebhookHttpResponse(null, $"No answer within {_timeout.TotalSeconds:0.###} s.");
        }
        catch (HttpRequestException ex) when (ex.InnerException is WebhookTargetRefusedException refused)
        {
            return new WebhookHttpResponse(null, "Refused: " + refused.Message);
        }
        catch (HttpRequestException ex)
        {
            return new WebhookHttpResponse(null, ex.InnerException is { } inner ? $"{ex.Message} ({inner.Message})" : ex.Message);
        }
    }

    public void Dispose() => _client.Dispose();
}
