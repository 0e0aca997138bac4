using Gateway.Api.Chat;
using Gateway.Api.Classification;
using Gateway.Api.Completions;
using Gateway.Api.Conversations;
using Gateway.Api.Embeddings;
using Gateway.Api.Pooling;
using Gateway.Api.Errors;
using Gateway.Api.Generation;
using Gateway.Api.Health;
using Gateway.Api.Invocations;
using Gateway.Api.Lora;
using Gateway.Api.Models;
using Gateway.Api.Responses;
using Gateway.Api.Scoring;
using Gateway.Api.Tokenize;
using Gateway.Configuration;

namespace Gateway.Api;

public static class OpenAiApiExtensions
{
    /// <summary>The OpenAI-compatible HTTP API, with vLLM's extras.</summary>
    public static WebApplication MapOpenAiApi(this WebApplication app, GatewayOptions options)
    {
        app.UseMiddleware<OpenAiErrorMiddleware>();

        app.MapPost("/v1/completions", CompletionsEndpoint.HandleAsync).AddEndpointFilter<RequestDeadlineFilter>();
        app.MapPost("/v1/chat/completions", ChatCompletionsEndpoint.HandleAsync).AddEndpointFilter<RequestDeadlineFilter>();
        app.MapPost("/v1/responses", ResponsesEndpoint.CreateAsync).AddEndpointFilter<RequestDeadlineFilter>();
        app.MapPost("/v1/embeddings", EmbeddingsEndpoint.HandleAsync).AddEndpointFilter<RequestDeadlineFilter>();
        // vLLM serves score, rerank and classify both with and without /v1 (and rerank under Cohere's /v2); only /v1 needs the API key.
        app.MapPost("/score", ScoreEndpoint.HandleAsync).AddEndpointFilter<RequestDeadlineFilter>();
        app.MapPost("/v1/score", ScoreEndpoint.HandleAsync).AddEndpointFilter<RequestDeadlineFilter>();
        app.MapPost("/rerank", RerankEndpoint.HandleAsync).AddEndpointFilter<RequestDeadlineFilter>();
        app.MapPost("/v1/rerank", RerankEndpoint.HandleAsync).AddEndpointFilter<RequestDeadlineFilter>();
        app.MapPost("/v2/rerank", RerankEndpoint.HandleAsync).AddEndpointFilter<RequestDeadlineFilter>();
        app.MapPost("/classify", ClassifyEndpoint.HandleAsync).AddEndpointFilter<RequestDeadlineFilter>();
        app.MapPost("/v1/classify", ClassifyEndpoint.HandleAsync).AddEndpointFilter<RequestDeadlineFilter>();
        app.MapPost("/pooling", PoolingEndpoint.HandleAsync).AddEndpointFilter<RequestDeadlineFilter>();
        app.MapGet("/v1/responses/{id}", ResponsesEndpoint.RetrieveAsync);
        app.MapDelete("/v1/responses/{id}", ResponsesEndpoint.DeleteAsync);
        app.MapPost("/v1/responses/{id}/cancel", ResponsesEndpoint.CancelAsync);
        app.MapGet("/v1/responses/{id}/input_items", ResponsesEndpoint.ListInputItems);
        app.MapPost("/v1/conversations", ConversationsEndpoint.CreateAsync);
        app.MapGet("/v1/conversations/{id}", ConversationsEndpoint.Retrieve);
        app.MapPost("/v1/conversations/{id}", ConversationsEndpoint.UpdateAsync);
        app.MapDelete("/v1/conversations/{id}", ConversationsEndpoint.Delete);
        app.MapGet("/v1/conversations/{id}/items", ConversationsEndpoint.ListItems);
        app.MapPost("/v1/conversations/{id}/items", ConversationsEndpoint.AddItemsAsync);
        app.MapGet("/v1/conversations/{id}/items/{itemId}", ConversationsEndpoint.RetrieveItem);
        app.MapDelete("/v1/conversations/{id}/items/{itemId}", ConversationsEndpoint.DeleteItem);
        app.MapGet("/v1/models", ModelsEndpoints.ListAsync);
        app.MapGet("/v1/models/{**model}", ModelsEndpoints.RetrieveAsync);
        if (options.RuntimeLoraUpdating)
        {
            // As vLLM: without VLLM_ALLOW_RUNTIME_LORA_UPDATING these routes do not exist (404), rather than refusing.
            app.MapPost("/v1/load_lora_adapter", LoraAdapterEndpoints.LoadAsync);
            app.MapPost("/v1/unload_lora_adapter", LoraAdapterEndpoints.UnloadAsync);
        }

        app.MapPost("/tokenize", TokenizeEndpoints.TokenizeAsync);
        app.MapPost("/detokenize", TokenizeEndpoints.DetokenizeAsync);
        app.MapGet("/health", HealthEndpoint.CheckAsync);
        // vLLM's /ping (what SageMaker-style hosts poll), GET or POST: the same answer as /health.
        app.MapMethods("/ping", [HttpMethods.Get, HttpMethods.Post], HealthEndpoint.CheckAsync);
        // vLLM's /invocations (SageMaker-style hosts send every request there): routed by the body's shape to the endpoint above that takes it.
        app.MapPost("/invocations", InvocationsEndpoint.HandleAsync);
        app.MapGet("/version", ModelsEndpoints.Version);
        return app;
    }
}
