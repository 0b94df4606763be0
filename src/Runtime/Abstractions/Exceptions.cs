namespace OrderActors.Runtime;

/// <summary>
/// A write of grain state found a different version (ETag) in storage than the one the activation read.
/// </summary>
/// <remarks>
/// Another activation of the same grain (possible for a moment during membership changes) or another writer
/// committed first. The runtime deactivates the activation that got this exception, so the next call reloads
/// the state; the write that threw did not commit.
/// </remarks>
public sealed class InconsistentStateException : Exception
{
    /// <summary>Creates the exception.</summary>
    public InconsistentStateException(string message) : base(message) { }

    /// <summary>Creates the exception.</summary>
    public InconsistentStateException(string message, string? storedEtag, string? currentEtag) : base(message)
    {
        StoredEtag = storedEtag;
        CurrentEtag = currentEtag;
    }

    /// <summary>Creates the exception.</summary>
    public InconsistentStateException() : base("Grain state version conflict.") { }

    /// <summary>Creates the exception.</summary>
    public InconsistentStateException(string message, Exception innerException) : base(message, innerException) { }

    /// <summary>The version found in storage, when known.</summary>
    public string? StoredEtag { get; }

    /// <summary>The version the activation held.</summary>
    public string? CurrentEtag { get; }
}

/// <summary>A grain call did not complete within the configured call timeout.</summary>
public sealed class GrainCallTimeoutException : TimeoutException
{
    /// <summary>Creates the exception.</summary>
    public GrainCallTimeoutException(string message) : base(message) { }

    /// <summary>Creates the exception.</summary>
    public GrainCallTimeoutException() { }

    /// <summary>Creates the exception.</summary>
    public GrainCallTimeoutException(string message, Exception innerException) : base(message, innerException) { }
}

/// <summary>
/// A call would wait on itself: it targets a non-reentrant activation that is busy with a request of the
/// same call chain (for example A calls B and B calls A back).
/// </summary>
public sealed class DeadlockException : Exception
{
    /// <summary>Creates the exception.</summary>
    public DeadlockException(string message) : base(message) { }

    /// <summary>Creates the exception.</summary>
    public DeadlockException() { }

    /// <summary>Creates the exception.</summary>
    public DeadlockException(string message, Exception innerException) : base(message, innerException) { }
}

/// <summary>
/// The silo a call was sent to could not be reached, or its connection dropped before the response arrived.
/// </summary>
/// <remarks>
/// Retryable: the runtime refreshes its membership view and retries the call on the grain's current owner within
/// the call's deadline, so a caller sees this only once those retries are used up. A call that fails with it may
/// or may not have run on the silo that went away; every state-changing grain method is idempotent by its
/// request or order id, which is what makes the retry safe.
/// </remarks>
public sealed class SiloUnavailableException : Exception
{
    /// <summary>Creates the exception.</summary>
    public SiloUnavailableException(string message) : base(message) { }

    /// <summary>Creates the exception.</summary>
    public SiloUnavailableException() : base("The silo is unavailable.") { }

    /// <summary>Creates the exception.</summary>
    public SiloUnavailableException(string message, Exception innerException) : base(message, innerException) { }
}

/// <summary>
/// A call reached a silo that, by its own membership view, does not own the grain, and forwarding it further
/// would exceed <see cref="Hosting.ClusterOptions.MaxForwardHops"/>.
/// </summary>
/// <remarks>
/// Retryable: the caller's view and the silo's view disagree for a moment during a membership change; the runtime
/// refreshes the caller's view and retries within the call's deadline.
/// </remarks>
public sealed class WrongSiloException : Exception
{
    /// <summary>Creates the exception.</summary>
    public WrongSiloException(string message) : base(message) { }

    /// <summary>Creates the exception.</summary>
    public WrongSiloException() : base("The silo does not own the grain.") { }

    /// <summary>Creates the exception.</summary>
    public WrongSiloException(string message, Exception innerException) : base(message, innerException) { }
}
