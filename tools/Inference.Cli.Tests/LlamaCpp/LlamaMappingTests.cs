using Inference.Cli.Gguf;
using Inference.Cli.LlamaCpp;
using Inference.Cli.Tests.Support;

namespace Inference.Cli.Tests.LlamaCpp;

/// <summary>
/// The Llama mapping checked by llama.cpp itself: a Qwen2 checkpoint whose QKV biases are zero is the same model as a
/// Llama checkpoint of the same weights without biases. llama.cpp runs Qwen2 with NEOX RoPE on the rows as they are,
/// and Llama with interleaved RoPE on Q and K rows our converter permuted, so equal logits prove the permutation and
/// the llama metadata. Measured: identical logits (max |Δlogit| 0); with the permutation left out they differ by 1.06.
/// </summary>
[Collection(TinyCheckpointCollection.Name)]
public sealed class LlamaMappingTests(TinyCheckpoint tiny) : IDisposable
{
    private readonly TemporaryDirectory _directory = new();

    [Fact]
    public void LlamaGguf_OfBiasFreeWeights_GivesTheLogitsOfTheQwen2GgufWithZeroBiases()
    {
        string qwen2 = _directory.File("qwen2-zero-bias");
        string llama = _directory.File("llama");
        CheckpointRewriter.Write(tiny.Directory, qwen2,
            v => v.Name.EndsWith(".bias", StringComparison.Ordinal) ? new byte[v.ElementCount * 2] : CheckpointRewriter.Bytes(v), _ => { });
        CheckpointRewriter.Write(tiny.Directory, llama,
            v => v.Name.EndsWith(".bias", StringComparison.Ordinal) ? null : CheckpointRewriter.Bytes(v),
            c =>
            {
                c["architectures"] = new System.Text.Json.Nodes.JsonArray("LlamaForCausalLM");
                c["model_type"] = "llama";
            });
        HfToGgufConverter.Convert(qwen2, _directory.File("qwen2.gguf"), GgufOutputType.F32);
        HfToGgufConverter.Convert(llama, _directory.File("llama.gguf"), GgufOutputType.F32);
        int[] prompt = [40, 1079, 264, 1045, 99, 2182, 13, 576];

        var expected = Logits(_directory.File("qwen2.gguf"), prompt);
        var actual = Logits(_directory.File("llama.gguf"), prompt);

        float difference = expected.Zip(actual, (a, b) => Math.Abs(a - b)).Max();
        Assert.True(difference < 1e-4f, $"max |Δlogit| {difference}");
    }

    private static float[] Logits(string gguf, int[] prompt)
    {
        using var session = LlamaCppSession.Load(gguf, threads: 2, maxSequences: 1, tokensPerSequence: 64, maxBatchTokens: 64);
        return session.DecodeLogits([new SequenceTokens(0, 0, prompt)])[0];
    }

    public void Dispose() => _directory.Dispose();
}
