using System.Reflection;

namespace OrderActors.Runtime.Messaging;

/// <summary>
/// The reference handed out by <see cref="IGrainFactory.GetGrain{TGrain}"/>: every interface call becomes a
/// message to the grain's activation.
/// </summary>
/// <remarks>Public only because <see cref="DispatchProxy"/> requires it; use it through the grain interface.</remarks>
public class GrainProxy : DispatchProxy
{
    private RuntimeClient? _runtime;
    private GrainInterface? _interface;

    /// <summary>The referenced grain.</summary>
    public GrainId GrainId { get; private set; }

    internal void Bind(RuntimeClient runtime, GrainInterface grainInterface, GrainId grainId)
    {
        _runtime = runtime;
        _interface = grainInterface;
        GrainId = grainId;
    }

    /// <inheritdoc />
    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        ArgumentNullException.ThrowIfNull(targetMethod);
        if (targetMethod.DeclaringType == typeof(object))
        {
            return targetMethod.Name switch
            {
                nameof(ToString) => GrainId.ToString(),
                nameof(GetHashCode) => GrainId.GetHashCode(),
                _ => throw new NotSupportedException(targetMethod.Name),
            };
        }

        var method = _interface![targetMethod];
        return method.Send(_runtime!, GrainId, args ?? []);
    }

    /// <inheritdoc />
    public override string ToString() => GrainId.ToString();
}
