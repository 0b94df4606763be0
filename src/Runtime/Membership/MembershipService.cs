using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrderActors.Runtime.Diagnostics;
using OrderActors.Runtime.Hosting;

namespace OrderActors.Runtime.Membership;

// Invariants. The tests in tests/OrderActors.Tests/Cluster each try to break one.
//
// Who may change a row
//  - A silo writes its own heartbeat, its own suspicions and its own status: joining (it registers), active,
//    shutting_down and dead (a graceful leave).
//  - Another silo's status changes only to dead, in two cases: a newer generation registers on the same host:port
//    (a restart supersedes its predecessor at once), or a live, active silo declares a silent silo dead by vote.
//  - Every status change names the table version it was decided on and fails, changing nothing, if the version
//    moved; statuses only move forward and dead is final. Concurrent changes are therefore applied one after
//    another and none is lost: the loser reads the newer table and decides again.
//
// When a silo is dead
//  - It is silent when its heartbeat is older than DeathTimeout by the table's clock (silo clocks are never
//    compared with each other or with the table).
//  - A vote counts if it was cast by an active silo that is not silent itself, after the suspect's latest heartbeat
//    and within DeathTimeout. Votes needed: min(VotesForDeath, active non-silent silos other than the suspect).
//    A silent silo cannot vote, so two silos crashing together do not keep each other alive.
//  - The voter that finds enough votes, its own included, declares the death; the write is conditional on the
//    version and on the suspect still being silent, so a silo that heartbeats in time is never declared dead.
//  - A silo that finds itself dead (its heartbeat is refused, or it reads its row dead) stops serving: it publishes
//    a view without itself (giving up every grain, reminder and subscription loop), stops heartbeating and raises
//    DeclaredDead, on which the host stops the process. It never returns: a restart is a new generation.
//
// Why a reminder never fires on two silos, and is not lost on a view change
//  - A view is the table's active silos at one version; rendezvous hashing gives each grain one owner per view. A
//    silo schedules a reminder only while its view makes it the owner, and checks again at every tick.
//  - Two silos may hold different views for up to a heartbeat period. For that window, a clustered silo claims each
//    tick in the reminder table before delivering it (last_tick_ms only grows): one tick, one delivery.
//  - The silo that gains a reminder schedules it at its latest tick at or before now: if the old owner delivered
//    that tick, the claim fails and the new owner waits for the next; if not, the new owner delivers it.

/// <summary>
/// A silo's membership: registers it in the membership table, heartbeats, votes silent silos dead and publishes the
/// view of the active silos (see the invariants at the top of this file).
/// </summary>
public sealed class MembershipService : IMembershipOracle, IAsyncDisposable
{
    /// <summary>Declarations a silo makes in one heartbeat round at most (each needs a fresh read).</summary>
    private const int MaxDecisionsPerRound = 8;

    private readonly IMembershipTable _table;
    private readonly ClusterOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<MembershipService> _logger;
    private readonly MembershipViews _views;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private volatile Phase _phase;

    /// <summary>Creates the service; nothing happens until <see cref="JoinAsync"/>.</summary>
    /// <param name="table">The membership table.</param>
    /// <param name="options">The cluster options.</param>
    /// <param name="time">The clock of the heartbeat period.</param>
    /// <param name="logger">The logger.</param>
    public MembershipService(IMembershipTable table, IOptions<ClusterOptions> options, TimeProvider time, ILogger<MembershipService> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _table = table;
        _options = options.Value;
        _time = time;
        _logger = logger;
        _views = new MembershipViews(table, _options.ClusterId, logger);
    }

    private enum Phase
    {
        NotJoined,
        Joined,
        Leaving,
        Left,
        Dead,
    }

    /// <inheritdoc />
    public SiloAddress? LocalSilo { get; private set; }

    /// <inheritdoc />
    public MembershipView CurrentView => _views.Current;

    /// <inheritdoc />
    public event Action<MembershipView>? ViewChanged
    {
        add => _views.Changed += value;
        remove => _views.Changed -= value;
    }

    /// <summary>
    /// Raised once when this silo finds that its peers declared it dead. It must stop serving: the host stops the
    /// process (a restart joins as a new incarnation).
    /// </summary>
    public event Action<SiloAddress>? DeclaredDead;

    /// <summary>True from the moment this silo is active in the table until it leaves or is declared dead (the readiness probe).</summary>
    public bool IsJoined => _phase == Phase.Joined;

    /// <summary>True once this silo found itself declared dead.</summary>
    public bool IsDeclaredDead => _phase == Phase.Dead;

    private string ClusterId => _options.ClusterId;

    /// <summary>
    /// Registers this silo (joining, superseding older incarnations on the same endpoint), marks it active, reads
    /// the first view and starts heartbeating every <see cref="ClusterOptions.HeartbeatPeriod"/>.
    /// </summary>
    /// <param name="self">This incarnation's address.</param>
    /// <param name="cancellationToken">Cancels the join.</param>
    /// <returns>A task that completes once the silo is active and <see cref="CurrentView"/> includes it.</returns>
    public async Task JoinAsync(SiloAddress self, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(self);
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (LocalSilo is not null)
            {
                throw new InvalidOperationException($"This membership service already joined as {LocalSilo}; a restart is a new service and a new generation.");
            }

            LocalSilo = self;
            MembershipSnapshot snapshot;
            do
            {
                snapshot = await _table.ReadAsync(ClusterId, cancellationToken);
            }
            while (!await _table.TryJoinAsync(ClusterId, self, snapshot.Version, cancellationToken));

            foreach (var older in snapshot.Entries.Where(e => e.Silo.Endpoint == self.Endpoint && e.Silo.Generation < self.Generation && e.Status != SiloStatus.Dead))
            {
                _logger.LogWarning("Silo {Silo} restarted on {Endpoint}: its previous incarnation {Older} is declared dead.", self, self.Endpoint, older.Silo);
                RuntimeMetrics.SilosDeclaredDead.Add(1);
            }

            if (!await ChangeOwnStatusLockedAsync(SiloStatus.Active, cancellationToken))
            {
                throw new InvalidOperationException($"Silo {self} was declared dead while joining cluster '{ClusterId}'.");
            }

            _phase = Phase.Joined;
            _views.Publish(await _table.ReadAsync(ClusterId, cancellationToken));
        }
        finally
        {
            _gate.Release();
        }

        _views.StartPolling(_options.HeartbeatPeriod, _time, TickAsync);
        _logger.LogInformation("Silo {Silo} joined cluster '{Cluster}': {View}.", self, ClusterId, CurrentView);
    }

    /// <summary>
    /// Starts a graceful leave: marks this silo shutting down at once, so that peers and clients stop routing to it
    /// with their next view, and publishes a view without it. It keeps heartbeating until <see cref="CompleteLeaveAsync"/>.
    /// </summary>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>A task that completes once the table says shutting down.</returns>
    public async Task LeaveAsync(CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_phase != Phase.Joined)
            {
                return;
            }

            _phase = Phase.Leaving;
            await ChangeOwnStatusLockedAsync(SiloStatus.ShuttingDown, cancellationToken);
            _views.Publish(await _table.ReadAsync(ClusterId, cancellationToken));
        }
        finally
        {
            _gate.Release();
        }

        _logger.LogInformation("Silo {Silo} is leaving cluster '{Cluster}'.", LocalSilo, ClusterId);
    }

    /// <summary>Ends a graceful leave at the end of shutdown: stops heartbeating and marks this silo dead.</summary>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>A task that completes once the table says dead.</returns>
    public async Task CompleteLeaveAsync(CancellationToken cancellationToken = default)
    {
        await StopHeartbeatingAsync();
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_phase is Phase.NotJoined or Phase.Left or Phase.Dead)
            {
                return;
            }

            _phase = Phase.Left;
            await ChangeOwnStatusLockedAsync(SiloStatus.Dead, cancellationToken);
        }
        finally
        {
            _gate.Release();
        }

        _logger.LogInformation("Silo {Silo} left cluster '{Cluster}'.", LocalSilo, ClusterId);
    }

    /// <inheritdoc />
    public Task RefreshAsync(CancellationToken cancellationToken = default) => _views.RefreshAsync(cancellationToken);

    /// <summary>Stops heartbeating without touching the table (what a crash looks like to peers); used by shutdown and tests.</summary>
    internal Task StopHeartbeatingAsync() => _views.StopPollingAsync();

    /// <summary>One heartbeat round: heartbeat, read the table, vote on silent silos, publish the view.</summary>
    /// <param name="cancellationToken">Cancels the round.</param>
    /// <returns>False once this silo is no longer a member (left or declared dead): the loop ends.</returns>
    internal async Task<bool> TickAsync(CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (LocalSilo is not { } self || _phase is not (Phase.Joined or Phase.Leaving))
            {
                return false;
            }

            var alive = await _table.HeartbeatAsync(ClusterId, self, cancellationToken);
            var snapshot = await _table.ReadAsync(ClusterId, cancellationToken);
            for (var decisions = 0; ; decisions++)
            {
                if (!alive || snapshot.Find(self) is not { Status: not SiloStatus.Dead })
                {
                    Die(self, snapshot);
                    return false;
                }

                if (decisions == MaxDecisionsPerRound || !await VoteLockedAsync(self, snapshot, cancellationToken))
                {
                    break;
                }

                snapshot = await _table.ReadAsync(ClusterId, cancellationToken);
            }

            _views.Publish(snapshot);
            return true;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Stops heartbeating; the table is left as it is (call <see cref="CompleteLeaveAsync"/> to leave).</summary>
    /// <returns>A task that completes once the loop ended.</returns>
    public async ValueTask DisposeAsync() => await StopHeartbeatingAsync();

    /// <summary>Suspects every silent silo and declares the first with enough votes dead.</summary>
    /// <returns>True if the table changed or moved under us (read it again before deciding more).</returns>
    private async Task<bool> VoteLockedAsync(SiloAddress self, MembershipSnapshot snapshot, CancellationToken cancellationToken)
    {
        if (snapshot.Find(self)?.Status != SiloStatus.Active)
        {
            return false; // only active silos vote
        }

        var now = snapshot.Now;
        foreach (var suspect in snapshot.Entries.Where(e => e.Silo != self && e.Status != SiloStatus.Dead && IsSilent(e, now)))
        {
            await _table.SuspectAsync(ClusterId, suspect.Silo, self, cancellationToken);
            var votes = 1 + suspect.Suspicions
                .Where(s => s.Suspecter != self && s.At > suspect.HeartbeatAt && now - s.At <= _options.DeathTimeout
                    && snapshot.Find(s.Suspecter) is { Status: SiloStatus.Active } voter && !IsSilent(voter, now))
                .Select(s => s.Suspecter)
                .Distinct()
                .Count();
            var needed = Math.Min(_options.VotesForDeath, snapshot.Entries.Count(e => e.Silo != suspect.Silo && e.Status == SiloStatus.Active && !IsSilent(e, now)));
            if (votes < needed)
            {
                _logger.LogInformation("Silo {Silo} suspects {Suspect} (silent since {Heartbeat:O}): {Votes} of {Needed} votes.", self, suspect.Silo, suspect.HeartbeatAt, votes, needed);
                continue;
            }

            if (await _table.TryChangeStatusAsync(ClusterId, suspect.Silo, SiloStatus.Dead, snapshot.Version, _options.DeathTimeout, cancellationToken))
            {
                _logger.LogWarning("Silo {Silo} declared {Suspect} dead: silent since {Heartbeat:O}, {Votes} of {Needed} votes.", self, suspect.Silo, suspect.HeartbeatAt, votes, needed);
                RuntimeMetrics.SilosDeclaredDead.Add(1);
            }

            return true;
        }

        return false;
    }

    private bool IsSilent(MembershipEntry entry, DateTimeOffset now) => now - entry.HeartbeatAt > _options.DeathTimeout;

    private void Die(SiloAddress self, MembershipSnapshot snapshot)
    {
        _phase = Phase.Dead;
        _logger.LogCritical(
            "Silo {Silo} was declared dead by its peers in cluster '{Cluster}' (table version {Version}); it stops serving now and the process must stop.",
            self, ClusterId, snapshot.Version);
        _views.Publish(snapshot);
        DeclaredDead?.Invoke(self);
    }

    /// <summary>Moves this silo's own row forward, reading again after each conflict.</summary>
    /// <returns>False if this silo is dead or cannot move there.</returns>
    private async Task<bool> ChangeOwnStatusLockedAsync(SiloStatus status, CancellationToken cancellationToken)
    {
        var self = LocalSilo!;
        while (true)
        {
            var snapshot = await _table.ReadAsync(ClusterId, cancellationToken);
            var row = snapshot.Find(self);
            if (row is null || !MembershipRules.IsForward(row.Status, status))
            {
                return row?.Status == status;
            }

            if (await _table.TryChangeStatusAsync(ClusterId, self, status, snapshot.Version, cancellationToken: cancellationToken))
            {
                return true;
            }
        }
    }
}
