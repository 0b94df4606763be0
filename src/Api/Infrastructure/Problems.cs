using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace OrderActors.Api.Infrastructure;

/// <summary>Builds RFC 9457 problem responses with stable <c>type</c> URIs, one per error kind.</summary>
public static class Problems
{
    /// <summary>Every problem type is this prefix plus a kebab-case code, e.g. <c>.../out-of-stock</c>.</summary>
    public const string TypePrefix = "https://orderactors.dev/problems/";

    public static ProblemDetails Create(int status, string code, string title, string? detail = null, IDictionary<string, object?>? extensions = null)
    {
        var problem = new ProblemDetails { Status = status, Type = TypePrefix + code, Title = title, Detail = detail };
        if (extensions is not null)
        {
            foreach (var (key, value) in extensions)
            {
                problem.Extensions[key] = value;
            }
        }

        return problem;
    }

    public static ProblemHttpResult Result(int status, string code, string title, string? detail = null, IDictionary<string, object?>? extensions = null)
        => TypedResults.Problem(Create(status, code, title, detail, extensions));

    /// <summary>422 with the invalid fields: <c>errors: { "lines[0].quantity": ["..."] }</c>.</summary>
    public static ProblemHttpResult Validation(IDictionary<string, string[]> errors)
        => Result(StatusCodes.Status422UnprocessableEntity, "validation-failed", "The request is not valid.",
            "See 'errors' for each invalid field.", new Dictionary<string, object?> { ["errors"] = errors });
}
