using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Npgsql;

namespace OrderActors.Tests.Infrastructure;

/// <summary>
/// A real PostgreSQL for the tests of the <see cref="PostgresCollection"/>: the server named by the
/// <c>ORDERACTORS_TEST_POSTGRES</c> connection string, or else a throwaway server started once per test run from
/// the installed binaries (<c>ORDERACTORS_PG_BIN</c>, or the highest <c>/usr/lib/postgresql/*/bin</c>) in a
/// temporary directory, listening on a free loopback port, stopped and deleted when the run ends.
/// </summary>
/// <remarks>
/// Every test class gets its own empty database from <see cref="CreateDatabaseAsync"/>. When PostgreSQL cannot be
/// found or started the fixture fails, and with it every test of the collection, with the reason: these tests
/// are never skipped.
/// </remarks>
public sealed class PostgresServer : IAsyncLifetime
{
    public const string ConnectionStringVariable = "ORDERACTORS_TEST_POSTGRES";
    public const string BinDirectoryVariable = "ORDERACTORS_PG_BIN";
    private const string OsUser = "postgres";

    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(90);

    private readonly List<string> _databases = [];
    private string _adminConnectionString = "";
    private string? _root;
    private string? _binDirectory;
    private bool _runAsPostgres;

    public async Task InitializeAsync()
    {
        var external = Environment.GetEnvironmentVariable(ConnectionStringVariable);
        if (!string.IsNullOrWhiteSpace(external))
        {
            _adminConnectionString = new NpgsqlConnectionStringBuilder(external) { Pooling = false }.ConnectionString;
            await ProbeAsync($"the server of {ConnectionStringVariable}");
            return;
        }

        _binDirectory = FindBinDirectory();
        _runAsPostgres = IsRoot();
        _root = Directory.CreateTempSubdirectory("oa-pg-").FullName;
        try
        {
            await StartThrowawayAsync();
        }
        catch
        {
            await DisposeAsync();
            throw;
        }
    }

    /// <summary>Creates a new empty database with a unique name and returns a connection string to it.</summary>
    /// <param name="icuLocale">
    /// An ICU locale (e.g. <c>en-US</c>) for the database's default collation, as production databases usually have
    /// one that sorts linguistically; null for the cluster's (C).
    /// </param>
    public async Task<string> CreateDatabaseAsync(string? icuLocale = null)
    {
        var name = $"oa_test_{Guid.NewGuid():N}";
        var locale = icuLocale is null ? "" : $" LOCALE_PROVIDER icu ICU_LOCALE '{icuLocale.Replace("'", "''", StringComparison.Ordinal)}'";
        await using (var connection = new NpgsqlConnection(_adminConnectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\" ENCODING 'UTF8' TEMPLATE template0{locale}", connection);
            await command.ExecuteNonQueryAsync();
        }

        lock (_databases)
        {
            _databases.Add(name);
        }

        return new NpgsqlConnectionStringBuilder(_adminConnectionString) { Database = name, Pooling = true }.ConnectionString;
    }

    public async Task DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        if (_root is null)
        {
            await DropDatabasesAsync();
            return;
        }

        if (_binDirectory is not null && File.Exists(Path.Combine(_root, "data", "postmaster.pid")))
        {
            await RunAsync("pg_ctl", ["-D", DataDirectory, "-m", "immediate", "-w", "-t", "30", "stop"], throwOnFailure: false);
        }

        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
            // A server that would not stop may still hold files; the directory is in the temp folder.
        }
        catch (UnauthorizedAccessException)
        {
        }

        _root = null;
    }

    private string DataDirectory => Path.Combine(_root!, "data");

    private async Task StartThrowawayAsync()
    {
        var socketDirectory = Path.Combine(_root!, "s");
        Directory.CreateDirectory(socketDirectory);
        if (_runAsPostgres)
        {
            // PostgreSQL refuses to run as root: its files belong to the postgres user.
            await RunRawAsync("chown", ["-R", $"{OsUser}:", _root!], $"make {_root} the {OsUser} user's (PostgreSQL refuses to run as root)");
        }

        await RunAsync("initdb", ["-D", DataDirectory, "-A", "trust", "-E", "UTF8", "--locale=C", "-U", "postgres", "--no-instructions"]);

        // A free port can be taken between looking for it and the server binding it: try a few.
        var log = Path.Combine(_root!, "server.log");
        string? failure = null;
        for (var attempt = 1; attempt <= 3; attempt++)
        {
            var port = FreeLoopbackPort();
            var serverOptions = $"-p {port} -c listen_addresses=127.0.0.1 -k {socketDirectory} -c max_connections=400 -c shared_buffers=32MB";
            var (exitCode, output) = await RunAsync("pg_ctl", ["-D", DataDirectory, "-l", log, "-w", "-t", "60", "-o", serverOptions, "start"], throwOnFailure: false);
            if (exitCode == 0)
            {
                _adminConnectionString = new NpgsqlConnectionStringBuilder
                {
                    Host = "127.0.0.1",
                    Port = port,
                    Username = "postgres",
                    Database = "postgres",
                    Pooling = false,
                    Timeout = 30,
                }.ConnectionString;
                await ProbeAsync($"the throwaway server in {_root}");
                return;
            }

            failure = $"pg_ctl start (port {port}) exited with {exitCode}: {output}\nserver log:\n{ReadLog(log)}";
        }

        throw new InvalidOperationException($"Could not start a throwaway PostgreSQL from {_binDirectory}. {failure}");
    }

    private async Task ProbeAsync(string what)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                await using var connection = new NpgsqlConnection(_adminConnectionString);
                await connection.OpenAsync();
                await using var command = new NpgsqlCommand("SELECT 1", connection);
                await command.ExecuteScalarAsync();
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or SocketException or TimeoutException)
            {
                if (deadline.Elapsed > TimeSpan.FromSeconds(30))
                {
                    throw new InvalidOperationException($"PostgreSQL ({what}) does not answer after {deadline.Elapsed.TotalSeconds:0}s: {ex.Message}", ex);
                }

                await Task.Delay(200);
            }
        }
    }

    private async Task DropDatabasesAsync()
    {
        string[] names;
        lock (_databases)
        {
            names = [.. _databases];
            _databases.Clear();
        }

        if (names.Length == 0 || _adminConnectionString.Length == 0)
        {
            return;
        }

        try
        {
            await using var connection = new NpgsqlConnection(_adminConnectionString);
            await connection.OpenAsync();
            foreach (var name in names)
            {
                await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", connection);
                await command.ExecuteNonQueryAsync();
            }
        }
        catch (NpgsqlException)
        {
            // Leftover test databases on a shared server are untidy, not a test failure.
        }
    }

    private static string FindBinDirectory()
    {
        var configured = Environment.GetEnvironmentVariable(BinDirectoryVariable);
        if (!string.IsNullOrWhiteSpace(configured))
        {
            if (!File.Exists(Path.Combine(configured, "initdb")) || !File.Exists(Path.Combine(configured, "pg_ctl")))
            {
                throw new InvalidOperationException($"{BinDirectoryVariable} is '{configured}', which holds no initdb and pg_ctl.");
            }

            return configured;
        }

        const string installRoot = "/usr/lib/postgresql";
        var candidates = Directory.Exists(installRoot)
            ? Directory.GetDirectories(installRoot)
                .Select(d => (Dir: Path.Combine(d, "bin"), Version: Version.TryParse(NormalizeVersion(Path.GetFileName(d)), out var v) ? v : null))
                .Where(c => c.Version is not null && File.Exists(Path.Combine(c.Dir, "initdb")) && File.Exists(Path.Combine(c.Dir, "pg_ctl")))
                .OrderByDescending(c => c.Version)
                .ToArray()
            : [];
        if (candidates.Length == 0)
        {
            throw new InvalidOperationException(
                $"PostgreSQL is needed by these tests and was not found: set {ConnectionStringVariable} to a connection string " +
                $"(a user allowed to CREATE DATABASE), or install the server (apt-get install postgresql: {installRoot}/<version>/bin), " +
                $"or set {BinDirectoryVariable} to the directory holding initdb and pg_ctl.");
        }

        return candidates[0].Dir;
    }

    private static string NormalizeVersion(string name) => name.Contains('.', StringComparison.Ordinal) ? name : name + ".0";

    private static bool IsRoot()
    {
        try
        {
            return File.ReadAllLines("/proc/self/status")
                .FirstOrDefault(l => l.StartsWith("Uid:", StringComparison.Ordinal))?
                .Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).ElementAtOrDefault(1) == "0";
        }
        catch (IOException)
        {
            return Environment.UserName == "root";
        }
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string ReadLog(string path)
    {
        try
        {
            return File.Exists(path) ? File.ReadAllText(path) : "(no server log)";
        }
        catch (IOException ex)
        {
            return $"(server log unreadable: {ex.Message})";
        }
    }

    // Runs a PostgreSQL binary, as the postgres user when the tests run as root.
    private async Task<(int ExitCode, string Output)> RunAsync(string tool, IReadOnlyList<string> arguments, bool throwOnFailure = true)
    {
        var executable = Path.Combine(_binDirectory!, tool);
        return _runAsPostgres
            ? await RunRawAsync("runuser", ["-u", OsUser, "--", executable, .. arguments], tool, throwOnFailure)
            : await RunRawAsync(executable, arguments, tool, throwOnFailure);
    }

    private async Task<(int ExitCode, string Output)> RunRawAsync(string fileName, IReadOnlyList<string> arguments, string what, bool throwOnFailure = true)
    {
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = _root ?? Path.GetTempPath(),
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["LC_ALL"] = "C";
        var output = new StringBuilder();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Append(output, e.Data);
        process.ErrorDataReceived += (_, e) => Append(output, e.Data);
        var commandLine = $"{fileName} {string.Join(' ', arguments)}";
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new InvalidOperationException($"Could not run '{commandLine}' ({what}): {ex.Message}", ex);
        }

        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var timeout = new CancellationTokenSource(CommandTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"'{commandLine}' ({what}) did not finish within {CommandTimeout.TotalSeconds:0}s. Output so far: {Snapshot(output)}");
        }

        var text = Snapshot(output);
        if (throwOnFailure && process.ExitCode != 0)
        {
            throw new InvalidOperationException($"'{commandLine}' ({what}) exited with {process.ExitCode}: {text}");
        }

        return (process.ExitCode, text);
    }

    private static void Append(StringBuilder output, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (output)
        {
            output.AppendLine(line);
        }
    }

    private static string Snapshot(StringBuilder output)
    {
        lock (output)
        {
            return output.ToString().Trim();
        }
    }
}

/// <summary>The tests that share the one <see cref="PostgresServer"/> of the test run.</summary>
[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresServer>
{
    public const string Name = "postgres";
}
