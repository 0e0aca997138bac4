using Inference.ServiceDefaults;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Tokenizer.Core;
using Tokenizer.Core.Loading;
using Tokenizer.Service.Grpc;

namespace Tokenizer.Service.Hosting;

/// <summary>The tokenizer service's composition: defaults → tokenizer → gRPC.</summary>
public static class TokenizerApp
{
    /// <exception cref="TokenizerLoadException">The model folder's tokenizer cannot be loaded (logged before it is thrown).</exception>
    public static WebApplication Build(string[] args)
    {
        WebApplicationBuilder builder = WebApplication.CreateBuilder(args);
        builder.UseHttp2Only();
        // The tokenizer is loaded before the server starts, so a running service is a ready one.
        builder.AddServiceDefaults("tokenizer").AddCheck("tokenizer", () => HealthCheckResult.Healthy());
        builder.Services.AddQwenTokenizer(builder.Configuration);

        WebApplication app = builder.Build();
        app.MapServiceDefaults();
        app.MapGrpcService<TokenizerGrpcService>();
        // Load now: a bad model folder fails the start, not the first request, with one log line saying why.
        try
        {
            app.Services.GetRequiredService<QwenTokenizer>();
        }
        catch (TokenizerLoadException e)
        {
            app.Logger.TokenizerLoadFailed(app.Services.GetRequiredService<IOptions<TokenizerServiceOptions>>().Value.ModelPath, e.Message);
            ((IDisposable)app).Dispose(); // Flushes the log before the process ends.
            throw;
        }
        return app;
    }
}
