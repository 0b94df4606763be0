namespace OrderActors.Api.Infrastructure;

/// <summary>How this API runs: with its own silo (embedded) or as an Orleans client of a cluster.</summary>
/// <param name="IsClient">True for a gateway to a cluster's silos.</param>
/// <param name="ClusterId">The cluster's id.</param>
public sealed record ApiMode(bool IsClient, string ClusterId);
