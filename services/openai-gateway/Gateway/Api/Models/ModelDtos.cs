namespace Gateway.Api.Models;

/// <summary>The <c>GET /v1/models</c> answer.</summary>
public sealed record ModelList(string Object, IReadOnlyList<ModelCard> Data);

/// <summary>One served model, with vLLM's <c>max_model_len</c> extra.</summary>
public sealed record ModelCard(string Id, string Object, long Created, string OwnedBy, string Root, string? Parent, int MaxModelLen);

/// <summary>The <c>GET /version</c> answer.</summary>
public sealed record VersionResponse(string Version);
