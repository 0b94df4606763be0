using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace OrderActors.Tests.Infrastructure;

/// <summary>A webhook as a receiver accepted it (signature and timestamp verified).</summary>
public sealed record ReceivedWebhook(string EventId, string Type, string Stream, long Sequence, string DeliveryId, JsonElement Data);

/// <summary>
/// A storefront's webhook receiver: real Kestrel on 127.0.0.1 and a free port. It verifies each request the way the
/// README tells receivers to (HMAC-SHA256 of "{timestamp}.{body}" with the secret, timestamp at most 5 minutes old),
/// answers 400 to a bad one, and records the good ones in arrival order. It can be made to fail: the first
/// <see cref="FailFirst"/> requests, or every request while <see cref="Down"/>.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    public const string Path = "/hooks/orderactors";
    private static readonly TimeSpan Tolerance = TimeSpan.FromMinutes(5);

    private readonly WebApplication _app;
    private readonly ConcurrentQueue<ReceivedWebhook> _received = new();
    private int _requests;
    private int _rejected;
    private volatile bool _down;
    private volatile string? _secret;

    private WebhookReceiver(WebApplication app, int failFirst)
    {
        _app = app;
        FailFirst = failFirst;
        app.MapPost(Path, (Delegate)HandleAsync);
    }

    /// <summary>Where to register it.</summary>
    public string Url { get; private set; } = "";

    /// <summary>The endpoint secret, known once the webhook is registered; until then requests get 503.</summary>
    public string? Secret { get => _secret; set => _secret = value; }

    /// <summary>Requests answered 500 before any is accepted.</summary>
    public int FailFirst { get; }

    /// <summary>While true every request gets 500.</summary>
    public bool Down { get => _down; set => _down = value; }

    /// <summary>Every request that arrived, accepted or not.</summary>
    public int Requests => Volatile.Read(ref _requests);

    /// <summary>Requests refused for a bad signature or timestamp.</summary>
    public int Rejected => Volatile.Read(ref _rejected);

    /// <summary>Accepted webhooks, in arrival order, repeats included.</summary>
    public IReadOnlyList<ReceivedWebhook> Received => [.. _received];

    public static async Task<WebhookReceiver> StartAsync(int failFirst = 0)
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var receiver = new WebhookReceiver(builder.Build(), failFirst);
        await receiver._app.StartAsync();
        receiver.Url = receiver._app.Urls.Single() + Path;
        return receiver;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task<IResult> HandleAsync(HttpContext http)
    {
        using var buffer = new MemoryStream();
        await http.Request.Body.CopyToAsync(buffer, http.RequestAborted);
        var body = buffer.ToArray();
        if (Interlocked.Increment(ref _requests) <= FailFirst || Down)
        {
            return Results.StatusCode(500);
        }

        if (Secret is not { } secret)
        {
            return Results.StatusCode(503);
        }

        var headers = http.Request.Headers;
        if (!Verify(secret, headers["X-OrderActors-Timestamp"].ToString(), headers["X-OrderActors-Signature"].ToString(), body))
        {
            Interlocked.Increment(ref _rejected);
            return Results.BadRequest();
        }

        var root = JsonDocument.Parse(body).RootElement.Clone();
        var eventId = root.GetProperty("id").GetString()!;
        var type = root.GetProperty("type").GetString()!;
        if (eventId != headers["X-OrderActors-Event-Id"].ToString() || type != headers["X-OrderActors-Event-Type"].ToString())
        {
            Interlocked.Increment(ref _rejected);
            return Results.BadRequest();
        }

        _received.Enqueue(new ReceivedWebhook(eventId, type, root.GetProperty("stream").GetString()!, root.GetProperty("sequence").GetInt64(),
            headers["X-OrderActors-Delivery-Id"].ToString(), root.GetProperty("data")));
        return Results.Ok();
    }

    // The recipe from the README, written independently of the sender's code: during a secret rotation the header holds
    // several comma-separated v1= signatures, and one that matches the secret the receiver holds is enough.
    private static bool Verify(string secret, string timestamp, string signatures, byte[] body)
    {
        if (!long.TryParse(timestamp, out var seconds)
            || (DateTimeOffset.UtcNow - DateTimeOffset.FromUnixTimeSeconds(seconds)).Duration() > Tolerance)
        {
            return false;
        }

        var signed = Encoding.UTF8.GetBytes(timestamp + ".").Concat(body).ToArray();
        var expected = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), signed);
        var given = new byte[expected.Length];
        foreach (var signature in signatures.Split(','))
        {
            if (signature.StartsWith("v1=", StringComparison.Ordinal)
                && Convert.FromHexString(signature.AsSpan(3), given, out _, out var written) == System.Buffers.OperationStatus.Done
                && written == given.Length
                && CryptographicOperations.FixedTimeEquals(expected, given))
            {
                return true;
            }
        }

        return false;
    }
}
