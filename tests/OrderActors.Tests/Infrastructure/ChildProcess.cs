using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace OrderActors.Tests.Infrastructure;

/// <summary>Starts the API as a real child process.</summary>
public static class ApiProcess
{
    /// <summary>
    /// Starts the API (<c>OrderActors.Api.dll</c> from the test output folder, where the referenced API project is
    /// copied with its appsettings) on a database (SQLite unless <paramref name="provider"/> says otherwise), on a
    /// free loopback port, and waits until it is ready.
    /// </summary>
    public static Task<ChildProcess> StartAsync(string connectionString, TimeSpan readyTimeout, string provider = "Sqlite")
        => StartAsync(new Dictionary<string, string?>
        {
            ["OrderActors__Storage__Provider"] = provider,
            ["OrderActors__Storage__ConnectionString"] = connectionString,
        }, readyTimeout);

    /// <summary>Starts the API with the given environment (configuration) on a free loopback port.</summary>
    public static Task<ChildProcess> StartAsync(IReadOnlyDictionary<string, string?> environment, TimeSpan readyTimeout)
        => ChildProcess.StartAsync(Path.Combine(AppContext.BaseDirectory, "OrderActors.Api.dll"), environment, readyTimeout);
}

/// <summary>
/// One of this repository's programs (the API, a silo) as a real child process run by the same dotnet host as
/// the tests, in Development, listening for HTTP on a free loopback port. Disposing it kills the process, so a
/// failing test leaves nothing running.
/// </summary>
public sealed class ChildProcess : IAsyncDisposable
{
    private const int OutputLines = 300;

    private readonly Process _process;
    private readonly Queue<string> _output = new();
    private readonly List<HttpClient> _clients = [];

    private ChildProcess(Process process, Uri baseAddress)
    {
        _process = process;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    /// <summary>The last lines the process wrote to stdout and stderr.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return string.Join('\n', _output);
            }
        }
    }

    /// <summary>
    /// Starts <paramref name="assembly"/> (its folder is the content root, where its appsettings are) with
    /// <paramref name="environment"/> added to this process's, and waits until <c>/health/ready</c> answers 200.
    /// </summary>
    public static async Task<ChildProcess> StartAsync(string assembly, IReadOnlyDictionary<string, string?> environment, TimeSpan readyTimeout)
    {
        var directory = Path.GetDirectoryName(assembly)!;
        if (!File.Exists(assembly) || !File.Exists(Path.Combine(directory, "appsettings.json")))
        {
            throw new InvalidOperationException($"The build of {Path.GetFileName(assembly)} (with its appsettings.json) is not in {directory}.");
        }

        var port = FreeLoopbackPort();
        var baseAddress = new Uri($"http://127.0.0.1:{port}");
        var start = new ProcessStartInfo(DotnetHost())
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(assembly);
        start.ArgumentList.Add("--contentRoot");
        start.ArgumentList.Add(directory);
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        start.Environment["ASPNETCORE_URLS"] = baseAddress.ToString().TrimEnd('/');
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        start.Environment["Logging__Console__FormatterName"] = "simple";
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        var process = new Process { StartInfo = start };
        var api = new ChildProcess(process, baseAddress);
        process.OutputDataReceived += (_, e) => api.Record(e.Data);
        process.ErrorDataReceived += (_, e) => api.Record(e.Data);
        if (!process.Start())
        {
            throw new InvalidOperationException($"Could not start {start.FileName} {assembly}.");
        }

        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await api.WaitUntilReadyAsync(readyTimeout);
            return api;
        }
        catch
        {
            await api.DisposeAsync();
            throw;
        }
    }

    /// <summary>A client of this process sending <c>X-Api-Key</c>; disposed with the process.</summary>
    public HttpClient Client(string apiKey)
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        client.DefaultRequestHeaders.Add("X-Api-Key", apiKey);
        _clients.Add(client);
        return client;
    }

    /// <summary>The process id.</summary>
    public int Id => _process.Id;

    /// <summary>Asks the process to stop (SIGTERM: a graceful shutdown) and waits until it is gone.</summary>
    public async Task StopAsync(TimeSpan timeout)
    {
        if (HasExited())
        {
            return;
        }

        using (var term = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await term.WaitForExitAsync();
        }

        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            throw new InvalidOperationException($"Process {_process.Id} did not exit within {timeout.TotalSeconds:0}s of SIGTERM. Output:\n{Output}");
        }
    }

    /// <summary>Kills the process with SIGKILL (no graceful shutdown) and waits until it is gone.</summary>
    public async Task KillAsync()
    {
        if (HasExited())
        {
            return;
        }

        _process.Kill(entireProcessTree: true);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            throw new InvalidOperationException($"Process {_process.Id} did not exit within 30s of SIGKILL.");
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients)
        {
            client.Dispose();
        }

        try
        {
            await KillAsync();
        }
        finally
        {
            _process.Dispose();
        }
    }

    private async Task WaitUntilReadyAsync(TimeSpan timeout)
    {
        using var probe = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        var clock = Stopwatch.StartNew();
        var last = "no answer yet";
        while (clock.Elapsed < timeout)
        {
            if (HasExited())
            {
                throw new InvalidOperationException($"The process exited with code {_process.ExitCode} before it was ready. Output:\n{Output}");
            }

            try
            {
                using var response = await probe.GetAsync("/health/ready");
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }

                last = $"HTTP {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}";
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                last = ex.Message;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"The process at {BaseAddress} was not ready within {timeout.TotalSeconds:0}s (last probe: {last}). Output:\n{Output}");
    }

    private bool HasExited()
    {
        try
        {
            return _process.HasExited;
        }
        catch (InvalidOperationException)
        {
            return true; // never started
        }
    }

    private void Record(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.Enqueue(line);
            while (_output.Count > OutputLines)
            {
                _output.Dequeue();
            }
        }
    }

    // The dotnet host running these tests, so the child uses the same runtime.
    private static string DotnetHost()
    {
        var candidates = new[]
        {
            Environment.GetEnvironmentVariable("DOTNET_HOST_PATH"),
            Environment.ProcessPath is { } current && Path.GetFileNameWithoutExtension(current) == "dotnet" ? current : null,
            Environment.GetEnvironmentVariable("DOTNET_ROOT") is { Length: > 0 } root ? Path.Combine(root, "dotnet") : null,
        };
        return candidates.FirstOrDefault(c => !string.IsNullOrEmpty(c) && File.Exists(c)) ?? "dotnet";
    }

    /// <summary>A TCP port on the loopback interface that nothing listens on right now.</summary>
    public static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>Starts silos (<c>src/Silo</c>) as real child processes.</summary>
public static class SiloProcess
{
    /// <summary>
    /// The silo program built next to the tests: <c>src/Silo/bin/&lt;configuration&gt;/&lt;framework&gt;</c>, found from
    /// the test output folder <c>tests/OrderActors.Tests/bin/&lt;configuration&gt;/&lt;framework&gt;</c>.
    /// </summary>
    public static string Assembly
    {
        get
        {
            var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            var (framework, configuration) = (output.Name, output.Parent!.Name);
            var repository = output.Parent!.Parent!.Parent!.Parent!.Parent!.FullName;
            return Path.Combine(repository, "src", "Silo", "bin", configuration, framework, "OrderActors.Silo.dll");
        }
    }

    /// <summary>Starts a silo with the given environment (configuration) and waits until it has joined.</summary>
    public static Task<ChildProcess> StartAsync(IReadOnlyDictionary<string, string?> environment, TimeSpan readyTimeout)
        => ChildProcess.StartAsync(Assembly, environment, readyTimeout);
}
