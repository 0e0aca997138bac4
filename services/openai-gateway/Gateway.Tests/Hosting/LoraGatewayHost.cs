using Gateway.Tests.Fakes;
using Inference.Contracts.Common.V1;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Tests.Hosting;

/// <summary>The gateway in front of a scheduler that serves two LoRA adapters beside its model, as vLLM's
/// <c>--lora-modules sql-lora=/adapters/sql-lora chat-lora=/adapters/chat-lora</c>.</summary>
public class LoraGatewayHost : GatewayHost
{
    public static readonly LoraAdapter SqlLora = new() { Name = "sql-lora", Path = "/adapters/sql-lora", Rank = 8 };

    public static readonly LoraAdapter ChatLora = new() { Name = "chat-lora", Path = "/adapters/chat-lora", Rank = 16 };

    public LoraGatewayHost() => Scheduler.LoraAdapters = [SqlLora, ChatLora];

    /// <summary>The gateway's clock: it decides when an unknown model may be asked from the scheduler again.</summary>
    public ManualClock Clock { get; } = new();

    protected override void ConfigureGateway(WebApplicationBuilder builder) => builder.Services.AddSingleton<TimeProvider>(Clock);
}
