using Inference.Testing.Logging;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Tokenizer.Service.Hosting;
using Contracts = Inference.Contracts.Tokenizer.V1;

namespace Tokenizer.Tests;

/// <summary>The real tokenizer service on a loopback port, with a real gRPC client.</summary>
internal sealed class TokenizerServiceHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly GrpcChannel _channel;

    private TokenizerServiceHost(WebApplication app, GrpcChannel channel)
    {
        _app = app;
        _channel = channel;
        Client = new Contracts.Tokenizer.TokenizerClient(channel);
    }

    public Contracts.Tokenizer.TokenizerClient Client { get; }
    public GrpcChannel Channel => _channel;

    /// <summary>Hosting's "Request finished" log (Information), which comes after the gRPC handler and its error logging ended.</summary>
    public static bool IsRequestFinished(CapturedLog log, string method) =>
        log.Category == "Microsoft.AspNetCore.Hosting.Diagnostics" && log.EventId == 2 && log.Message.Contains(method, StringComparison.Ordinal);

    /// <param name="logs">When set, sees every log at Warning and above, and <see cref="IsRequestFinished"/> logs.</param>
    public static async Task<TokenizerServiceHost> StartAsync(string modelPath, int maxInputChars = 1_000_000, CapturingLoggerProvider? logs = null)
    {
        WebApplication app = TokenizerApp.Build([
            "--urls", "http://127.0.0.1:0",
            "--Tokenizer:ModelPath", modelPath,
            "--Tokenizer:MaxInputChars", maxInputChars.ToString(),
            "--Logging:LogLevel:Default", "Warning",
            // A rule for the capturing provider alone, so the console stays quiet.
            $"--Logging:{typeof(CapturingLoggerProvider).FullName}:LogLevel:Microsoft.AspNetCore.Hosting.Diagnostics", "Information",
        ]);
        if (logs is not null)
        {
            app.Services.GetRequiredService<ILoggerFactory>().AddProvider(logs);
        }
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await app.StartAsync(timeout.Token);
        string address = app.Urls.Single();
        return new TokenizerServiceHost(app, GrpcChannel.ForAddress(address));
    }

    public async ValueTask DisposeAsync()
    {
        _channel.Dispose();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _app.StopAsync(timeout.Token);
        await _app.DisposeAsync();
    }
}
