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
