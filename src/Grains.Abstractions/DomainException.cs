namespace OrderActors.Grains;

/// <summary>How a broken business rule is reported to callers.</summary>
public enum DomainErrorKind
{
    /// <summary>The request is well-formed but not valid for the domain (HTTP 422).</summary>
    Invalid,

    /// <summary>The request conflicts with the current state (HTTP 409).</summary>
    Conflict,

    /// <summary>The addressed thing does not exist (HTTP 404).</summary>
    NotFound,
}

/// <summary>A business rule refused a request; nothing was changed.</summary>
/// <param name="kind">The category.</param>
/// <param name="code">A stable, kebab-case error code (it becomes the problem type).</param>
/// <param name="message">What happened, for people.</param>
public sealed class DomainException(DomainErrorKind kind, string code, string message) : Exception(message)
{
    /// <summary>The category.</summary>
    public DomainErrorKind Kind { get; } = kind;

    /// <summary>The stable error code.</summary>
    public string Code { get; } = code;

    /// <summary>Creates a conflict.</summary>
    public static DomainException Conflict(string code, string message) => new(DomainErrorKind.Conflict, code, message);

    /// <summary>Creates a validation failure.</summary>
    public static DomainException Invalid(string code, string message) => new(DomainErrorKind.Invalid, code, message);

    /// <summary>Creates a not-found error.</summary>
    public static DomainException NotFound(string code, string message) => new(DomainErrorKind.NotFound, code, message);
}
