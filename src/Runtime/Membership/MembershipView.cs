namespace OrderActors.Runtime.Membership;

/// <summary>
/// The silos that own grains, as one silo or client sees them at a moment. Every silo and client with the same
/// view computes the same owner for every grain (<see cref="Placement.RendezvousPlacement"/>).
/// </summary>
public sealed class MembershipView
{
    /// <summary>A view with no silos (nothing can be placed).</summary>
    public static readonly MembershipView Empty = new(0, []);

    /// <summary>Creates a view.</summary>
    /// <param name="version">Grows with every change of the membership table; a higher version is newer.</param>
    /// <param name="activeSilos">The silos that are active (joined and not declared dead or leaving).</param>
    public MembershipView(long version, IEnumerable<SiloAddress> activeSilos)
    {
        ArgumentNullException.ThrowIfNull(activeSilos);
        Version = version;
        ActiveSilos = activeSilos.Distinct().OrderBy(s => s.ToString(), StringComparer.Ordinal).ToArray();
    }

    /// <summary>Grows with every change of the membership table; a higher version is newer.</summary>
    public long Version { get; }

    /// <summary>The active silos, sorted by address.</summary>
    public IReadOnlyList<SiloAddress> ActiveSilos { get; }

    /// <summary>True if the silo is active in this view.</summary>
    /// <param name="silo">The silo to look for.</param>
    /// <returns>Whether it is active.</returns>
    public bool IsActive(SiloAddress silo) => ActiveSilos.Contains(silo);

    /// <inheritdoc />
    public override string ToString() => $"v{Version} [{string.Join(", ", ActiveSilos)}]";
}

/// <summary>
/// The source of membership views for a silo or a client. A silo's oracle also registers it and heartbeats; a
/// client's only reads. The runtime routes every call by <see cref="CurrentView"/>.
/// </summary>
public interface IMembershipOracle
{
    /// <summary>This silo's address, or null in a client.</summary>
    SiloAddress? LocalSilo { get; }

    /// <summary>The latest view.</summary>
    MembershipView CurrentView { get; }

    /// <summary>Raised after <see cref="CurrentView"/> changed, with the new view. Handlers must not block.</summary>
    event Action<MembershipView>? ViewChanged;

    /// <summary>Reads the membership table now (a caller that was told it reached the wrong silo calls this before retrying).</summary>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>A task that completes once <see cref="CurrentView"/> reflects the table.</returns>
    Task RefreshAsync(CancellationToken cancellationToken = default);
}

/// <summary>A fixed membership view, for tests that start silos in one process without a membership table.</summary>
public sealed class StaticMembershipOracle : IMembershipOracle
{
    private readonly Func<SiloAddress?> _localSilo;
    private MembershipView _view;

    /// <summary>Creates an oracle with a fixed first view.</summary>
    /// <param name="localSilo">This silo's address, or null in a client.</param>
    /// <param name="view">The first view.</param>
    public StaticMembershipOracle(SiloAddress? localSilo, MembershipView view)
        : this(() => localSilo, view)
    {
    }

    /// <summary>
    /// Creates an oracle whose silo address is known only later (once the silo bound its port): the runtime's
    /// services take the oracle when they are built, before the silo starts.
    /// </summary>
    /// <param name="localSilo">Returns this silo's address, or null before it is known and in a client.</param>
    /// <param name="view">The first view.</param>
    public StaticMembershipOracle(Func<SiloAddress?> localSilo, MembershipView view)
    {
        ArgumentNullException.ThrowIfNull(localSilo);
        _localSilo = localSilo;
        _view = view;
    }

    /// <inheritdoc />
    public SiloAddress? LocalSilo => _localSilo();

    /// <inheritdoc />
    public MembershipView CurrentView => Volatile.Read(ref _view);

    /// <inheritdoc />
    public event Action<MembershipView>? ViewChanged;

    /// <summary>Replaces the view and raises <see cref="ViewChanged"/> (a test's stand-in for the table changing).</summary>
    /// <param name="view">The new view.</param>
    public void Publish(MembershipView view)
    {
        Volatile.Write(ref _view, view);
        ViewChanged?.Invoke(view);
    }

    /// <inheritdoc />
    public Task RefreshAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;
}
