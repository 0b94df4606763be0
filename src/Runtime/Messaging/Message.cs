namespace OrderActors.Runtime.Messaging;

/// <summary>One request travelling to an activation: a grain call, or a tick of one of its timers.</summary>
internal sealed class Message
{
    public Message(GrainId target, GrainMethod? method, object?[] arguments, IResponseSink? sink, CallChain? chain, long deadline)
    {
        Target = target;
        Method = method;
        Arguments = arguments;
        Sink = sink;
        Chain = chain;
        Deadline = deadline;
    }

    public GrainId Target { get; }

    /// <summary>The called method; null for a timer tick.</summary>
    public GrainMethod? Method { get; }

    public object?[] Arguments { get; }

    /// <summary>Who waits for the response; null for one-way ticks.</summary>
    public IResponseSink? Sink { get; }

    /// <summary>The grains whose requests led to this call, innermost first.</summary>
    public CallChain? Chain { get; }

    /// <summary><see cref="Environment.TickCount64"/> after which nobody waits for the response any more.</summary>
    public long Deadline { get; }

    /// <summary>For timer ticks: the callback to run.</summary>
    public Func<CancellationToken, Task>? TimerCallback { get; init; }

    public bool IsInterleaving => Method?.AlwaysInterleave == true;

    public string Describe() => Method is null ? $"timer tick on {Target}" : $"{Method.Name} on grain {Target}";
}

/// <summary>Receives the outcome of a request.</summary>
internal interface IResponseSink
{
    void Complete(object? result);

    void Fail(Exception exception);
}

/// <summary>An immutable list of the grains on the current call path, used to detect call cycles.</summary>
internal sealed class CallChain(GrainId grain, CallChain? parent)
{
    public GrainId Grain { get; } = grain;

    public CallChain? Parent { get; } = parent;

    public bool Contains(GrainId id)
    {
        for (var link = this; link is not null; link = link.Parent)
        {
            if (link.Grain == id)
            {
                return true;
            }
        }

        return false;
    }

    public override string ToString()
    {
        var ids = new List<string>();
        for (var link = this; link is not null; link = link.Parent)
        {
            ids.Add(link.Grain.ToString());
        }

        ids.Reverse();
        return string.Join(" -> ", ids);
    }
}

/// <summary>The ambient call chain of the request running on the current async flow.</summary>
internal static class RequestContext
{
    private static readonly AsyncLocal<CallChain?> Current = new();

    public static CallChain? Chain
    {
        get => Current.Value;
        set => Current.Value = value;
    }
}
