using System.Net;
using System.Net.Sockets;
using Inference.Cli.Serving;
using Inference.Cli.Tests.Support;

namespace Inference.Cli.Tests.Serving;

/// <summary>
/// How `serve` starts its services, with scripts standing in for them: each prints the line a service logs once it
/// listens. The gateway's gRPC front-door port is the one port `serve` chooses ahead; these tests cover what happens
/// when it cannot be bound.
/// </summary>
public sealed class LocalClusterTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private const string ListeningLine = "12:00:00 info: Inference.ServiceDefaults.Hosting.ListeningAddressLog[1] Listening on:";

    [Fact]
    public async Task TheGateway_IsStartedAgainOnAnotherGrpcPort_WhenItsPortWasTakenBeforeItBound()
    {
        using var directory = new TemporaryDirectory();
        var (gateway, firstPort, taken) = GatewayFailingFirst(directory);
        var log = new StringWriter();

        var start = LocalCluster.StartAsync(new ServeOptions(directory.Path, HttpPort: 0), "fake", Binaries(directory, gateway),
            TextWriter.Synchronized(log), (_, _, _) => { }, CancellationToken.None);
        int first = int.Parse(await ReadWhenWrittenAsync(firstPort));
        using var squatter = new TcpListener(IPAddress.Loopback, first);
        squatter.Start();
        File.WriteAllText(taken, "");
        await using var cluster = await start.WaitAsync(Timeout);

        Assert.NotEqual(first, cluster.GrpcPort);
        Assert.Equal(45001, cluster.HttpPort);
        Assert.Contains($"port {first} was taken before openai-gateway bound it", log.ToString());
    }

    [Fact]
    public async Task TheGateway_IsStartedAgainOnAnotherGrpcPort_WhenItsPortWasTakenOnlyForAMoment()
    {
        using var directory = new TemporaryDirectory();
        string released = directory.File("released");
        // The first start exits only after the test has let the port go (as an outgoing connection's ephemeral port is
        // let go): by then the port is free again.
        var (gateway, firstPort, taken) = GatewayFailingFirst(directory, $"while [ ! -f '{released}' ]; do sleep 0.05; done");
        var log = new StringWriter();

        var start = LocalCluster.StartAsync(new ServeOptions(directory.Path, HttpPort: 0), "fake", Binaries(directory, gateway),
            TextWriter.Synchronized(log), (_, _, _) => { }, CancellationToken.None);
        int first = int.Parse(await ReadWhenWrittenAsync(firstPort));
        using (var squatter = new TcpListener(IPAddress.Loopback, first))
        {
            squatter.Start();
            File.WriteAllText(taken, "");
            await WaitForLineAsync(log, "address already in use");
        }

        File.WriteAllText(released, "");
        await using var cluster = await start.WaitAsync(Timeout);

        Assert.NotEqual(first, cluster.GrpcPort);
        Assert.Contains($"port {first} was taken before openai-gateway bound it", log.ToString());
    }

    [Fact]
    public async Task AGatewayThatExitsWithItsPortFree_FailsTheStart_NamingItAndItsExitCode()
    {
        using var directory = new TemporaryDirectory();
        var gateway = ServiceScript.Write(directory, "echo 'Gateway:SchedulerAddress is not a URL' >&2; exit 3", "gateway.sh");

        var error = await Assert.ThrowsAsync<ServiceExitedException>(() => LocalCluster.StartAsync(
            new ServeOptions(directory.Path, HttpPort: 0), "fake", Binaries(directory, gateway), TextWriter.Null, (_, _, _) => { },
            CancellationToken.None).WaitAsync(Timeout));

        Assert.Equal("openai-gateway", error.Service);
        Assert.Equal(3, error.ExitCode);
    }

    [Fact]
    public async Task ServesFlags_ReachTheServicesAsTheirSettings()
    {
        using var directory = new TemporaryDirectory();
        var settings = directory.File("settings");
        var service = ServiceScript.Write(directory, $"""
            env | grep -E '^(Scheduler|Gateway|Tokenizer|Worker)__(MaxModelLength|MaxNumSeqs|MaxNumBatchedTokens|EnablePrefixCaching|ApiKey|ReasoningParser|ChatTemplate|BlockSize|LogStats|MaxLoraRank|MaxLoras|KvCacheDtype)=|^ASPNETCORE_URLS=http://0' >> '{settings}'
            echo "{ListeningLine} http://127.0.0.1:45000, http://127.0.0.1:${"{"}Gateway__GrpcPort:-45002{"}"}"
            exec sleep 60
            """);
        var options = new ServeOptions(directory.Path, HttpPort: 0, ReasoningParser: "qwen3", ApiKey: "sk-local",
            MaxModelLength: 4096, MaxNumSeqs: 8, MaxNumBatchedTokens: 512, EnablePrefixCaching: false,
            ChatTemplate: "/templates/chat.jinja", Host: "0.0.0.0", BlockSize: 32, LogStats: false, MaxLoraRank: 16, MaxLoras: 2, KvCacheDtype: "bfloat16");

        await using var cluster = await LocalCluster.StartAsync(options, "fake", new ServiceBinaries(service, service, service, service),
            TextWriter.Null, (_, _, _) => { }, CancellationToken.None).WaitAsync(Timeout);

        Assert.Equal(
            ["ASPNETCORE_URLS=http://0.0.0.0:0", "Gateway__ApiKey=sk-local", "Gateway__ReasoningParser=qwen3", "Scheduler__EnablePrefixCaching=false", "Scheduler__LogStats=false", "Scheduler__MaxLoraRank=16", "Scheduler__MaxLoras=2", "Scheduler__MaxModelLength=4096",
             "Scheduler__MaxNumBatchedTokens=512", "Scheduler__MaxNumSeqs=8", "Tokenizer__ChatTemplate=/templates/chat.jinja", "Worker__BlockSize=32", "Worker__KvCacheDtype=bfloat16"],
            File.ReadAllLines(settings).Order(StringComparer.Ordinal));
    }

    /// <summary>
    /// A gateway whose first start writes the gRPC port it was given to a file, waits until the test has taken that port
    /// (the file "taken"), fails as Kestrel does, runs <paramref name="beforeExit"/> and exits; later starts listen.
    /// </summary>
    private static (string Script, string FirstPort, string Taken) GatewayFailingFirst(TemporaryDirectory directory, string beforeExit = "")
    {
        string firstPort = directory.File("first-port"), taken = directory.File("taken");
        var script = ServiceScript.Write(directory, $$"""
            if [ ! -f '{{firstPort}}' ]; then
              echo "$Gateway__GrpcPort" > '{{firstPort}}.tmp' && mv '{{firstPort}}.tmp' '{{firstPort}}'
              while [ ! -f '{{taken}}' ]; do sleep 0.05; done
              echo "Failed to bind to address http://127.0.0.1:$Gateway__GrpcPort: address already in use." >&2
              {{beforeExit}}
              exit 1
            fi
            echo "{{ListeningLine}} http://127.0.0.1:45001, http://127.0.0.1:$Gateway__GrpcPort"
            exec sleep 60
            """, "gateway.sh");
        return (script, firstPort, taken);
    }

    /// <summary>The tokenizer, worker and scheduler as one script that reports a port and stays up; the gateway as given.</summary>
    private static ServiceBinaries Binaries(TemporaryDirectory directory, string gateway)
    {
        var listens = ServiceScript.Write(directory, $"""
            echo "{ListeningLine} http://127.0.0.1:45000"
            exec sleep 60
            """, "listens.sh");
        return new ServiceBinaries(listens, listens, listens, gateway);
    }

    private static async Task<string> ReadWhenWrittenAsync(string path)
    {
        using var timeout = new CancellationTokenSource(Timeout);
        while (!File.Exists(path))
        {
            await Task.Delay(20, timeout.Token);
        }

        return (await File.ReadAllTextAsync(path, timeout.Token)).Trim();
    }

    /// <summary>Waits until the (synchronized) log holds a line containing <paramref name="text"/>.</summary>
    private static async Task WaitForLineAsync(StringWriter log, string text)
    {
        using var timeout = new CancellationTokenSource(Timeout);
        while (!log.ToString().Contains(text, StringComparison.Ordinal))
        {
            await Task.Delay(20, timeout.Token);
        }
    }
}
