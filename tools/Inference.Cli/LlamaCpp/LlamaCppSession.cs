using System.Numerics.Tensors;
using LLama;
using LLama.Common;
using LLama.Native;

namespace Inference.Cli.LlamaCpp;

/// <summary>
/// One GGUF model in llama.cpp with one context for up to <c>maxSequences</c> sequences, driven through the
/// low-level batch API (LLamaBatch, llama_decode) the way a server drives it: a batch holds tokens of several
/// sequence ids, each at its own position, and logits come back for the tokens that ask for them. Greedy choice is
/// an argmax over those logits.
/// </summary>
public sealed class LlamaCppSession : IDisposable
{
    private readonly LLamaWeights _weights;
    private readonly LLamaContext _context;
    private readonly LLamaBatch _batch = new();

    private LlamaCppSession(LLamaWeights weights, LLamaContext context)
    {
        _weights = weights;
        _context = context;
    }

    public int VocabSize => _weights.Vocab.Count;

    /// <param name="tokensPerSequence">The longest sequence (prompt plus generated tokens).</param>
    /// <param name="maxBatchTokens">The most tokens one <see cref="Decode"/> call may carry.</param>
    /// <exception cref="InvalidOperationException">llama.cpp could not load the file (its log is above).</exception>
    public static LlamaCppSession Load(string ggufPath, int threads, int maxSequences, int tokensPerSequence, int maxBatchTokens)
    {
        LlamaCppRuntime.Configure();
        // Each sequence gets an equal share of the context, so the context is sized per sequence.
        uint perSequence = (uint)((tokensPerSequence + 255) / 256 * 256);
        var parameters = new ModelParams(ggufPath)
        {
            ContextSize = perSequence * (uint)maxSequences,
            SeqMax = (uint)maxSequences,
            BatchSize = (uint)Math.Max(maxBatchTokens, 32),
            UBatchSize = (uint)Math.Clamp(maxBatchTokens, 32, 512),
            Threads = threads,
            BatchThreads = threads,
            GpuLayerCount = 0,
        };
        LLamaWeights? weights = null;
        try
        {
            weights = LLamaWeights.LoadFromFile(parameters);
            return new LlamaCppSession(weights, weights.CreateContext(parameters));
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            weights?.Dispose();
            throw new InvalidOperationException($"llama.cpp could not load {ggufPath}: {e.Message}", e);
        }
    }

    /// <summary>Forgets every sequence's KV.</summary>
    public void Clear() => _context.NativeHandle.MemoryClear(true);

    /// <summary>
    /// Runs one batch: each entry is a sequence's tokens starting at its position; logits are computed for the last
    /// token of each entry. Returns the greedy next token of each entry.
    /// </summary>
    /// <exception cref="InvalidOperationException">llama_decode failed.</exception>
    public int[] DecodeGreedy(IReadOnlyList<SequenceTokens> entries) => Decode(entries, logits => TensorPrimitives.IndexOfMax(logits));

    /// <summary>Like <see cref="DecodeGreedy"/>, returning each entry's last-position logits.</summary>
    public float[][] DecodeLogits(IReadOnlyList<SequenceTokens> entries) => Decode(entries, logits => logits.ToArray());

    private T[] Decode<T>(IReadOnlyList<SequenceTokens> entries, SpanFunc<T> read)
    {
        _batch.Clear();
        var logitRows = new int[entries.Count];
        for (int e = 0; e < entries.Count; e++)
        {
            var entry = entries[e];
            for (int i = 0; i < entry.Tokens.Count; i++)
            {
                bool last = i == entry.Tokens.Count - 1;
                int row = _batch.Add(entry.Tokens[i], entry.Position + i, (LLamaSeqId)entry.Sequence, last);
                if (last)
                {
                    logitRows[e] = row;
                }
            }
        }

        var result = _context.Decode(_batch);
        if (result != DecodeResult.Ok)
        {
            throw new InvalidOperationException($"llama_decode of {_batch.TokenCount} tokens failed: {result}.");
        }

        var answers = new T[entries.Count];
        for (int e = 0; e < entries.Count; e++)
        {
            answers[e] = read(_context.NativeHandle.GetLogitsIth(logitRows[e]));
        }

        return answers;
    }

    private delegate T SpanFunc<out T>(Span<float> logits);

    public void Dispose()
    {
        _context.Dispose();
        _weights.Dispose();
    }
}
