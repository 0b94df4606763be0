using System.Net;
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
//  - A silo that cannot heartbeat fences itself before its peers can declare it dead: once no heartbeat has succeeded
//    for DeathTimeout - 2 x HeartbeatPeriod (by its own clock, from the start of its last successful write, which the
//    table stamped no earlier), it publishes a view without itself and reports not ready. Peers need the heartbeat to
//    be older than DeathTimeout by the table's clock, so the silo has given its grains up at least a period before
//    they can take them over. A heartbeat that succeeds again ends the fence if the row is still live, or finds the
//    death. Heartbeat writes give up after DeathTimeout / 4, so a stalled database fails rounds instead of hanging them.
//
// Who may register on an endpoint
//  - A join supersedes older incarnations on its host:port, but not one that is active and heartbeating: that is
//    another process advertising the same endpoint (two machines keeping AdvertisedHost 127.0.0.1), and superseding
//    would make them kill each other in turn. A crashed predecessor stops heartbeating: the joiner waits until its
//    heartbeat is older than DeathTimeout; a heartbeat that moves meanwhile fails the join.
//
// Dead rows leave the table
//  - Reads skip rows dead for longer than DeadSiloRetention, and a silo's round deletes them now and then (every
//    DeadSiloRetention / 4) with their suspicions. No version is needed: dead is final and the view is unchanged.
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
    private readonly object _fencing = new();
    private volatile Phase _phase;
    private volatile bool _fenced;
    private long _lastHeartbeat;
    private long _lastPrune;
    private ITimer? _fenceTimer;

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
        _views = new MembershipViews(table, _options.ClusterId, _options.HeartbeatPeriod / 4, time, logger);
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

    /// <summary>
    /// True from the moment this silo is active in the table until it leaves or is declared dead, except while it is
    /// fenced (the readiness probe).
    /// </summary>
    public bool IsJoined => _phase == Phase.Joined && !_fenced;

    /// <summary>
    /// True while this silo's heartbeats have failed for too long: it owns nothing (its view leaves it out) until a
    /// heartbeat succeeds again (see <see cref="ClusterOptions.DeathTimeout"/>).
    /// </summary>
    public bool IsFenced => _fenced;

    /// <summary>True once this silo found itself declared dead.</summary>
    public bool IsDeclaredDead => _phase == Phase.Dead;

    private string ClusterId => _options.ClusterId;

    /// <summary>How long a heartbeat write may take before the round fails.</summary>
    private TimeSpan HeartbeatTimeout => _options.DeathTimeout / 4;

    /// <summary>How long without a successful heartbeat before this silo fences itself (see the invariants).</summary>
    private TimeSpan FenceAfter => _options.DeathTimeout - 2 * _options.HeartbeatPeriod;

    /// <summary>How often a silo deletes expired dead rows.</summary>
    private TimeSpan PruneInterval => TimeSpan.FromTicks(Math.Max(_options.HeartbeatPeriod.Ticks, _options.DeadSiloRetention.Ticks / 4));

    /// <summary>
    /// Registers this silo (joining, superseding older incarnations on the same endpoint), marks it active, reads
    /// the first view and starts heartbeating every <see cref="ClusterOptions.HeartbeatPeriod"/>.
    /// </summary>
    /// <remarks>
    /// An active incarnation on the same endpoint whose heartbeat is recent may be a predecessor that just crashed or
    /// another process advertising the same endpoint: the join waits until its heartbeat is older than
    /// <see cref="ClusterOptions.DeathTimeout"/> (then supersedes it) and fails if the heartbeat moves meanwhile.
    /// </remarks>
    /// <param name="self">This incarnation's address.</param>
    /// <param name="cancellationToken">Cancels the join.</param>
    /// <returns>A task that completes once the silo is active and <see cref="CurrentView"/> includes it.</returns>
    /// <exception cref="InvalidOperationException">Another live silo is registered on the same endpoint.</exception>
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

            WarnIfLoopback(self);
            var rivalHeartbeats = new Dictionary<SiloAddress, DateTimeOffset>();
            MembershipSnapshot snapshot;
            while (true)
            {
                snapshot = await _table.ReadAsync(ClusterId, cancellationToken);
                if (snapshot.Entries.FirstOrDefault(e => e.Silo.Endpoint == self.Endpoint && e.Silo != self && e.Status == SiloStatus.Active && !IsSilent(e, snapshot.Now)) is { } rival)
                {
                    if (rivalHeartbeats.TryGetValue(rival.Silo, out var seen) && rival.HeartbeatAt > seen)
                    {
                        throw EndpointInUse(self, rival, snapshot.Now);
                    }

                    rivalHeartbeats.TryAdd(rival.Silo, rival.HeartbeatAt);
                    _logger.LogWarning(
                        "Silo {Silo} waits to join: {Rival} is active on the same endpoint and heartbeated {Age} ago; it is superseded once silent for {DeathTimeout}, and the join fails if it heartbeats again.",
                        self, rival.Silo, snapshot.Now - rival.HeartbeatAt, _options.DeathTimeout);
                    await Task.Delay(_options.HeartbeatPeriod, _time, cancellationToken);
                    continue;
                }

                var joining = _time.GetTimestamp();
                if (await _table.TryJoinAsync(ClusterId, self, snapshot.Version, cancellationToken))
                {
                    Volatile.Write(ref _lastHeartbeat, joining);
                    break;
                }
            }

            LocalSilo = self;

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

        _fenceTimer = _time.CreateTimer(_ => FenceIfSilent(), null, _options.HeartbeatPeriod / 2, _options.HeartbeatPeriod / 2);
        _views.StartPolling(_options.HeartbeatPeriod, TickAsync);
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
    internal async Task StopHeartbeatingAsync()
    {
        if (Interlocked.Exchange(ref _fenceTimer, null) is { } timer)
        {
            await timer.DisposeAsync();
        }

        await _views.StopPollingAsync();
    }

    /// <summary>
    /// One heartbeat round: heartbeat, read the table, vote on silent silos, publish the view, now and then delete
    /// expired dead rows. A failed heartbeat fences the silo once it has lasted too long.
    /// </summary>
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

            var started = _time.GetTimestamp();
            bool alive;
            try
            {
                alive = await HeartbeatLockedAsync(self, cancellationToken);
            }
            catch (Exception) when (!cancellationToken.IsCancellationRequested)
            {
                FenceIfSilent();
                throw;
            }

            if (alive)
            {
                Volatile.Write(ref _lastHeartbeat, started);
            }

            var snapshot = await _table.ReadAsync(ClusterId, cancellationToken);
            for (var decisions = 0; ; decisions++)
            {
                if (!alive || snapshot.Find(self) is not { Status: not SiloStatus.Dead })
                {
                    Die(self, snapshot);
                    return false;
                }

                if (decisions == 0)
                {
                    Unfence(self, snapshot);
                }

                if (decisions == MaxDecisionsPerRound || !await VoteLockedAsync(self, snapshot, cancellationToken))
                {
                    break;
                }

                snapshot = await _table.ReadAsync(ClusterId, cancellationToken);
            }

            _views.Publish(snapshot);
            await PruneIfDueLockedAsync(cancellationToken);
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

    private static bool IsLoopback(string host)
        => string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase) || (IPAddress.TryParse(host, out var address) && IPAddress.IsLoopback(address));

    private void WarnIfLoopback(SiloAddress self)
    {
        if (IsLoopback(self.Host))
        {
            _logger.LogWarning(
                "Silo {Silo} advertises the loopback address {Host}: silos and clients on other machines cannot reach it, and silos on two machines that both keep it (and the same port) refuse each other. Set OrderActors:Cluster:AdvertisedHost to an address of this machine.",
                self, self.Host);
        }
    }

    private InvalidOperationException EndpointInUse(SiloAddress self, MembershipEntry rival, DateTimeOffset now) => new(
        $"Silo {self} cannot join cluster '{ClusterId}': {rival.Silo} is active on the same endpoint {self.Endpoint} and still heartbeating " +
        $"(last heartbeat {(now - rival.HeartbeatAt).TotalMilliseconds:0} ms ago). Two silos advertise the same address: give each silo its own " +
        "OrderActors:Cluster:AdvertisedHost (an address of its machine that peers can reach) or OrderActors:Cluster:SiloPort.");

    /// <summary>Writes the heartbeat, giving up after <see cref="HeartbeatTimeout"/>.</summary>
    private async Task<bool> HeartbeatLockedAsync(SiloAddress self, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(HeartbeatTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            return await _table.HeartbeatAsync(ClusterId, self, linked.Token);
        }
        catch (OperationCanceledException ex) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"The heartbeat of silo {self} took longer than {HeartbeatTimeout} (a quarter of DeathTimeout).", ex);
        }
    }

    /// <summary>Fences this silo if no heartbeat succeeded for <see cref="FenceAfter"/>; runs on a timer and after a failed heartbeat.</summary>
    private void FenceIfSilent()
    {
        lock (_fencing)
        {
            var silence = _time.GetElapsedTime(Volatile.Read(ref _lastHeartbeat));
            if (_fenced || LocalSilo is not { } self || _phase is not (Phase.Joined or Phase.Leaving) || silence < FenceAfter)
            {
                return;
            }

            _fenced = true;
            _views.Fence(self);
            _logger.LogCritical(
                "Silo {Silo} has not heartbeated for {Silence} (the membership table is unreachable from it): it stops owning grains and reports not ready before its peers may declare it dead after {DeathTimeout}. It resumes when a heartbeat succeeds.",
                self, silence, _options.DeathTimeout);
        }
    }

    /// <summary>Ends the fence after a successful heartbeat whose table still has this silo live.</summary>
    private void Unfence(SiloAddress self, MembershipSnapshot snapshot)
    {
        lock (_fencing)
        {
            if (!_fenced)
            {
                return;
            }

            _fenced = false;
            _views.Unfence(snapshot);
            _logger.LogWarning("Silo {Silo} heartbeats again and is still {Status} in the table: it owns grains again.", self, snapshot.Find(self)?.Status);
        }
    }

    private async Task PruneIfDueLockedAsync(CancellationToken cancellationToken)
    {
        if (_time.GetElapsedTime(_lastPrune) < PruneInterval)
        {
            return;
        }

        _lastPrune = _time.GetTimestamp();
        try
        {
            if (await _table.PruneAsync(ClusterId, cancellationToken) is > 0 and var pruned)
            {
                _logger.LogInformation("Deleted {Count} silo row(s) dead for longer than {Retention} from cluster '{Cluster}'.", pruned, _options.DeadSiloRetention, ClusterId);
            }
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            // Only space is at stake (reads skip expired rows): the round still counts; the next interval tries again.
            _logger.LogWarning(ex, "Could not delete expired dead silo rows from cluster '{Cluster}'.", ClusterId);
        }
    }

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
