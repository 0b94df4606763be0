namespace OrderActors.Grains;

/// <summary>How a broken business rule is reported to callers.</summary>
[GenerateSerializer, Alias("OrderActors.Grains.DomainErrorKind")]
public enum DomainErrorKind
{
    /// <summary>The request is well-formed but not valid for the domain (HTTP 422).</summary>
    Invalid,

    /// <summary>The request conflicts with the current state (HTTP 409).</summary>
    Conflict,

    /// <summary>The addressed thing does not exist (HTTP 404).</summary>
    NotFound,

    /// <summary>A service the request depends on did not answer; the same request may be retried (HTTP 503).</summary>
    Unavailable,

    /// <summary>The payment was refused (HTTP 402).</summary>
    PaymentRefused,
}

/// <summary>A business rule refused a request; nothing was changed.</summary>
/// <remarks>Orleans serializes it with its kind and code, so a caller in another process catches it as itself.</remarks>
[GenerateSerializer, Alias("OrderActors.Grains.DomainException")]
public sealed class DomainException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="kind">The category.</param>
    /// <param name="code">A stable, kebab-case error code (it becomes the problem type).</param>
    /// <param name="message">What happened, for people.</param>
    /// <param name="currentState">For a refused state transition: the state it was refused in.</param>
    /// <param name="allowedActions">For a refused state transition: what may be done in that state.</param>
    public DomainException(DomainErrorKind kind, string code, string message, string? currentState, IReadOnlyList<string>? allowedActions)
        : base(message)
    {
        Kind = kind;
        Code = code;
        CurrentState = currentState;
        AllowedActions = allowedActions;
    }

    /// <summary>Creates the exception without state details.</summary>
    public DomainException(DomainErrorKind kind, string code, string message)
        : this(kind, code, message, null, null)
    {
    }

    /// <summary>For a refused state transition: the state it was refused in.</summary>
    [Id(0)]
    public string? CurrentState { get; private set; }

    /// <summary>For a refused state transition: what may be done in that state.</summary>
    [Id(1)]
    public IReadOnlyList<string>? AllowedActions { get; private set; }

    /// <summary>The category.</summary>
    [Id(2)]
    public DomainErrorKind Kind { get; private set; }

    /// <summary>The stable error code.</summary>
    [Id(3)]
    public string Code { get; private set; }

    /// <summary>For a refused field value (<c>validation-failed</c>): the field, as the API names it.</summary>
    [Id(4)]
    public string? Field { get; private set; }

    /// <summary>Creates a conflict.</summary>
    public static DomainException Conflict(string code, string message) => new(DomainErrorKind.Conflict, code, message);

    /// <summary>Creates a validation failure.</summary>
    public static DomainException Invalid(string code, string message) => new(DomainErrorKind.Invalid, code, message);

    /// <summary>Creates the error for an action that the current state does not allow (HTTP 409).</summary>
    public static DomainException InvalidTransition(string what, string action, string currentState, IEnumerable<string> allowedActions)
    {
        var allowed = allowedActions.ToArray();
        return new(DomainErrorKind.Conflict, "invalid-transition",
            $"Cannot {action} {what} while it is {currentState}; allowed now: {(allowed.Length == 0 ? "nothing" : string.Join(", ", allowed))}.",
            currentState, allowed);
    }

    /// <summary>Creates the error for a value of <paramref name="field"/> outside the declared limits (HTTP 422 <c>validation-failed</c>).</summary>
    public static DomainException InvalidField(string field, string message)
        => new(DomainErrorKind.Invalid, "validation-failed", message) { Field = field };

    /// <summary>Creates a not-found error.</summary>
    public static DomainException NotFound(string code, string message) => new(DomainErrorKind.NotFound, code, message);
}
