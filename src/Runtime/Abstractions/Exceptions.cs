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
/// A call was not delivered: the silo it was meant for could not be reached, refused it, was stopping and did not
/// serve it, or the connection closed before the call was written to it.
/// </summary>
/// <remarks>
/// Retryable, and the runtime retries it: the call did not run anywhere, so the runtime refreshes its membership
/// view and sends it again to the grain's current owner, with a back-off, until the call's deadline. A caller sees
/// this only when no silo took the call before the deadline. A call that may have reached its silo before the
/// connection failed ends with <see cref="CallOutcomeUnknownException"/> instead, which the runtime never retries.
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

/// <summary>
/// A call was sent to its silo but the connection failed before the response arrived: the call may or may not have
/// run (and may still be running).
/// </summary>
/// <remarks>
/// The runtime does not retry such a call, because running a method that is not idempotent twice (one that creates
/// something without a caller-supplied key, for example) would be wrong. A caller that knows the call is idempotent
/// (it carries an idempotency key or an order id the grain deduplicates on) may retry it; others should read back the
/// state to learn what happened. It crosses process boundaries unchanged, so a call forwarded by one silo to another
/// reports the same outcome to the original caller.
/// </remarks>
public sealed class CallOutcomeUnknownException : Exception
{
    /// <summary>Creates the exception.</summary>
    public CallOutcomeUnknownException(string message) : base(message) { }

    /// <summary>Creates the exception.</summary>
    public CallOutcomeUnknownException() : base("The call was sent but its outcome is unknown.") { }

    /// <summary>Creates the exception.</summary>
    public CallOutcomeUnknownException(string message, Exception innerException) : base(message, innerException) { }
}
