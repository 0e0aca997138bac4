using System.Reflection;
using Gateway.Api.Json;
using Gateway.Backends;

namespace Gateway.Api.Models;

/// <summary><c>GET /v1/models</c> and <c>GET /version</c>.</summary>
public static class ModelsEndpoints
{
    /// <summary>When this process started: the served model's <c>created</c> time, as vLLM reports it.</summary>
    private static readonly long _startedAt = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    public static async Task<IResult> ListAsync(IGenerationService generation, ServedModel servedModel, CancellationToken cancellationToken)
    {
        var info = await generation.GetModelInfoAsync(deadline: null, cancellationToken);
        servedModel.Remember(info);
        var card = new ModelCard(info.Name, "model", _startedAt, "vllm", info.Name, null, info.MaxModelLen);
        return Results.Json(new ModelList("list", [card]), ApiJson.Context.ModelList);
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
