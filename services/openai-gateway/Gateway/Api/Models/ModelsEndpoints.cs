using System.Reflection;
using Gateway.Api.Errors;
using Gateway.Api.Json;
using Gateway.Backends;

namespace Gateway.Api.Models;

/// <summary><c>GET /v1/models</c>, <c>GET /v1/models/{model}</c> and <c>GET /version</c>.</summary>
public static class ModelsEndpoints
{
    /// <summary>When this process started: the served model's <c>created</c> time, as vLLM reports it.</summary>
    private static readonly long _startedAt = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    /// <summary>The served model's card, then one card per LoRA adapter, as vLLM lists its --lora-modules.</summary>
    public static async Task<IResult> ListAsync(ServedModel servedModel, CancellationToken cancellationToken)
    {
        var cards = await CardsAsync(servedModel, cancellationToken);
        return Results.Json(new ModelList("list", cards), ApiJson.Context.ModelList);
    }

    /// <summary>
    /// The OpenAI API's model retrieve (the SDKs' <c>models.retrieve</c>): the served model's or an adapter's card, as the
    /// list holds it; any other id is a 404 naming it. Ids may hold slashes (<c>Qwen/Qwen2.5-7B-Instruct</c>), so the route
    /// takes the rest of the path, and the SDKs send them escaped (<c>Qwen%2FQwen2.5-7B-Instruct</c>), which routing leaves
    /// as it is.
    /// </summary>
    public static async Task<IResult> RetrieveAsync(string model, ServedModel servedModel, CancellationToken cancellationToken)
    {
        var id = model.Replace("%2F", "/", StringComparison.OrdinalIgnoreCase);
        var cards = await CardsAsync(servedModel, cancellationToken);
        return cards.FirstOrDefault(card => card.Id == id) is { } found
            ? Results.Json(found, ApiJson.Context.ModelCard)
            : throw ApiException.ModelNotFound(id);
    }

    /// <summary>
    /// Asks the scheduler afresh (the worker count may have changed, and adapters may have been loaded or unloaded at runtime,
    /// here or through another gateway; the answer also refreshes what <see cref="ServedModel"/> remembers).
    /// An adapter's card is vLLM's: its root is the folder it was loaded from, its parent the served model, and it takes
    /// the served model's context length, as it runs on that model.
    /// </summary>
    private static async Task<ModelCard[]> CardsAsync(ServedModel servedModel, CancellationToken cancellationToken)
    {
        var info = await servedModel.RefreshAsync(cancellationToken);
        var served = new ModelCard(info.Name, "model", _startedAt, "vllm", info.Name, null, info.MaxModelLen);
        return
        [
            served,
            .. info.LoraAdapters.Select(adapter =>
                new ModelCard(adapter.Name, served.Object, served.Created, served.OwnedBy, adapter.Path, info.Name, info.MaxModelLen)),
        ];
    }

    public static IResult Version()
    {
        var assembly = typeof(ModelsEndpoints).Assembly;
        var version = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
            ?? assembly.GetName().Version?.ToString()
            ?? "0.0.0";
        return Results.Json(new VersionResponse(version), ApiJson.Context.VersionResponse);
    }
}
