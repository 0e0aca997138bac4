using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Gateway.Api.Chat;
using Gateway.Api.Completions;
using Gateway.Api.Classification;
using Gateway.Api.Embeddings;
using Gateway.Api.Pooling;
using Gateway.Api.Errors;
using Gateway.Api.Health;
using Gateway.Api.Models;
using Gateway.Api.Scoring;
using Gateway.Api.Tokenize;

namespace Gateway.Api.Json;

/// <summary>How the API writes JSON: snake_case names and non-ASCII text left readable, as Python's json does.</summary>
public static class ApiJson
{
    public static JsonSerializerOptions Options { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static ApiJsonContext Context { get; } = new(new JsonSerializerOptions(Options));
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(ErrorBody))]
[JsonSerializable(typeof(CompletionResponse))]
[JsonSerializable(typeof(ChatCompletionResponse))]
[JsonSerializable(typeof(ChatCompletionChunk))]
[JsonSerializable(typeof(EmbeddingResponse))]
[JsonSerializable(typeof(ScoreResponse))]
[JsonSerializable(typeof(RerankResponse))]
[JsonSerializable(typeof(ClassifyResponse))]
[JsonSerializable(typeof(PoolingResponse))]
[JsonSerializable(typeof(ModelList))]
[JsonSerializable(typeof(ModelCard))]
[JsonSerializable(typeof(VersionResponse))]
[JsonSerializable(typeof(TokenizeResponse))]
[JsonSerializable(typeof(DetokenizeResponse))]
[JsonSerializable(typeof(HealthyResponse))]
[JsonSerializable(typeof(UnhealthyResponse))]
public sealed partial class ApiJsonContext : JsonSerializerContext;
