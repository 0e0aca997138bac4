using System.Collections.Concurrent;
using Grpc.Core;
using Inference.Abstractions.Generation;
using Inference.Contracts.Mapping;
using Inference.Contracts.Scheduler.V1;

namespace Gateway.Tests.Fakes;

/// <summary>
/// The fake scheduler's Embed: by default a deterministic embedding (see <see cref="DefaultEmbedding"/>); tests swap
/// <see cref="EmbedScript"/> to refuse, fail or hang. Empty prompts are refused naming prompt, as the real one does.
/// </summary>
public sealed partial class FakeScheduler
{
    /// <summary>Values in a full default embedding.</summary>
    public const int EmbeddingSize = 8;

    private int _embedsInFlight;
    private int _maxEmbedsInFlight;

    /// <summary>Every Embed request, in arrival order.</summary>
    public ConcurrentQueue<EmbedRequest> EmbedRequests { get; } = new();

    /// <summary>Answers an Embed request (or throws, as the scheduler refuses); tests replace it.</summary>
    public Func<EmbedRequest, CancellationToken, Task<EmbedResponse>> EmbedScript { get; set; } = DefaultEmbedScript;

    /// <summary>Embed calls running right now.</summary>
    public int EmbedsInFlight => Volatile.Read(ref _embedsInFlight);

    /// <summary>The most Embed calls that ran at once.</summary>
    public int MaxEmbedsInFlight => Volatile.Read(ref _maxEmbedsInFlight);

    public static Task<EmbedResponse> DefaultEmbedScript(EmbedRequest request, CancellationToken cancellationToken) =>
        Task.FromResult(DefaultEmbedding(request));

    /// <summary>
    /// A prompt's default answer: one token per character of a text prompt (per id of a token-id one), and value k of
    /// the embedding (prompt tokens) + k / 3: each input's embedding says which input it was, and thirds have no short
    /// decimal form, so an encoding that loses float32 bits shows. With dimensions, the first that many values.
    /// </summary>
    public static EmbedResponse DefaultEmbedding(EmbedRequest request)
    {
        var tokens = PromptTokensOf(request);
        var size = request.HasDimensions ? request.Dimensions : EmbeddingSize;
        return new EmbedResponse
        {
            RequestId = request.RequestId,
            Embedding = { ExpectedEmbedding(tokens, size) },
            PromptTokens = tokens,
            CachedPromptTokens = 0,
        };
    }

    /// <summary>The default embedding of a prompt of <paramref name="promptTokens"/> tokens.</summary>
    public static float[] ExpectedEmbedding(int promptTokens, int size = EmbeddingSize) =>
        [.. Enumerable.Range(0, size).Select(k => promptTokens + k / 3f)];

    /// <summary>An <see cref="EmbedScript"/> that embeds each text as the given vector, with one token per character.</summary>
    public static Func<EmbedRequest, CancellationToken, Task<EmbedResponse>> FixedEmbeddings(IReadOnlyDictionary<string, float[]> embeddings) =>
        (request, _) => Task.FromResult(new EmbedResponse
        {
            RequestId = request.RequestId,
            Embedding = { embeddings[request.Text] },
            PromptTokens = request.Text.Length,
            CachedPromptTokens = 0,
        });

    /// <summary>Tokens of the prompt: ids of a token-id prompt, characters of a text one or of a chat one's messages JSON.</summary>
    public static int PromptTokensOf(EmbedRequest request) => request.PromptCase switch
    {
        EmbedRequest.PromptOneofCase.TokenIds => request.TokenIds.Ids.Count,
        EmbedRequest.PromptOneofCase.Chat => request.Chat.MessagesJson.Length,
        _ => request.Text.Length,
    };

    /// <summary>The scheduler's refusal of a field, as its validation answers it (INVALID_ARGUMENT naming the field).</summary>
    public static RpcException Refusal(string field, string message) =>
        ValidationErrors.ToRpcException(new GenerationValidationException(field, message));

    /// <summary>
    /// An <see cref="EmbedScript"/> for "one input fails, the others are cancelled": the prompt <paramref name="hangingText"/>
    /// hangs until cancelled; any other fails with <paramref name="failure"/> once the hanging one runs, so there is a
    /// call to cancel.
    /// </summary>
    public Func<EmbedRequest, CancellationToken, Task<EmbedResponse>> HangOneFailOthers(string hangingText, RpcException failure) =>
        async (request, cancellationToken) =>
        {
            if (request.Text == hangingText)
            {
                return await HangEmbedAsync(request, cancellationToken);
            }

            while (!EmbedRequests.Any(r => r.Text == hangingText))
            {
                await Task.Delay(10, cancellationToken);
            }

            throw failure;
        };

    /// <summary>An <see cref="EmbedScript"/> that waits until its call is cancelled (<see cref="CancelledAsync"/> then completes for the prompt's text).</summary>
    public async Task<EmbedResponse> HangEmbedAsync(EmbedRequest request, CancellationToken cancellationToken)
    {
        await HangAsync(request.Text, cancellationToken);
        throw new InvalidOperationException("HangAsync returns only by throwing.");
    }

    public override async Task<EmbedResponse> Embed(EmbedRequest request, ServerCallContext context)
    {
        EmbedRequests.Enqueue(request);
        if (PromptTokensOf(request) == 0)
        {
            throw ValidationErrors.ToRpcException(new GenerationValidationException("prompt", "prompt must not be empty."));
        }

        RefuseUnknownAdapter(request.LoraName);

        var inFlight = Interlocked.Increment(ref _embedsInFlight);
        InterlockedMax(ref _maxEmbedsInFlight, inFlight);
        try
        {
            return await EmbedScript(request, context.CancellationToken);
        }
        finally
        {
            Interlocked.Decrement(ref _embedsInFlight);
        }
    }

    /// <summary>Forgets the Embed calls of earlier tests: requests and the in-flight high-water mark.</summary>
    public void ResetEmbeds()
    {
        EmbedScript = DefaultEmbedScript;
        EmbedRequests.Clear();
        Volatile.Write(ref _maxEmbedsInFlight, 0);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        var seen = Volatile.Read(ref target);
        while (value > seen)
        {
            var previous = Interlocked.CompareExchange(ref target, value, seen);
            if (previous == seen)
            {
                return;
            }

            seen = previous;
        }
    }
}
