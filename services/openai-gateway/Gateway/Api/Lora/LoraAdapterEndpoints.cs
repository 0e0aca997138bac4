using Gateway.Api.Json;
using Gateway.Backends;
using Gateway.Configuration;

namespace Gateway.Api.Lora;

/// <summary>
/// vLLM's <c>POST /v1/load_lora_adapter</c> and <c>POST /v1/unload_lora_adapter</c>, mapped only when
/// <see cref="GatewayOptions.RuntimeLoraUpdating"/> is on (vLLM's VLLM_ALLOW_RUNTIME_LORA_UPDATING). The scheduler loads
/// or drops the adapter on every worker; then this gateway forgets the adapters it knew, so that /v1/models and the next
/// request see the change. Success is vLLM's plain-text sentence; a refusal is the OpenAI error envelope.
/// </summary>
public static partial class LoraAdapterEndpoints
{
    public static async Task<IResult> LoadAsync(
        HttpContext http, ILoraAdapterService adapters, ServedModel servedModel, ILoggerFactory loggerFactory)
    {
        var cancellationToken = http.RequestAborted;
        var request = LoraAdapterRequests.ReadLoad(await RequestBody.ReadObjectAsync(http.Request, cancellationToken));
        var adapter = await LoraAdapterErrors.AnswerAsync(
            () => adapters.LoadAsync(request.Name, request.Path, cancellationToken), LoraAdapterRequests.PathField);

        servedModel.Forget();
        LogLoaded(Logger(loggerFactory), adapter.Name, adapter.Path, adapter.Rank);
        return Results.Text($"Success: LoRA adapter '{request.Name}' added successfully.");
    }

    public static async Task<IResult> UnloadAsync(
        HttpContext http, ILoraAdapterService adapters, ServedModel servedModel, ILoggerFactory loggerFactory)
    {
        var cancellationToken = http.RequestAborted;
        var name = LoraAdapterRequests.ReadUnload(await RequestBody.ReadObjectAsync(http.Request, cancellationToken));
        var requestsUsing = await LoraAdapterErrors.AnswerAsync(
            () => adapters.UnloadAsync(name, cancellationToken), LoraAdapterRequests.NameField);

        servedModel.Forget();
        LogUnloaded(Logger(loggerFactory), name, requestsUsing);
        return Results.Text($"Success: LoRA adapter '{name}' removed successfully.");
    }

    private static ILogger Logger(ILoggerFactory loggerFactory) => loggerFactory.CreateLogger(typeof(LoraAdapterEndpoints).FullName!);

    [LoggerMessage(Level = LogLevel.Information, Message = "Loaded LoRA adapter {Name} from {Path} (rank {Rank})")]
    private static partial void LogLoaded(ILogger logger, string name, string path, int rank);

    [LoggerMessage(Level = LogLevel.Information, Message = "Unloaded LoRA adapter {Name}; {RequestsUsing} admitted requests finish with it")]
    private static partial void LogUnloaded(ILogger logger, string name, int requestsUsing);
}
