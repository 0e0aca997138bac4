using System.Text.Json.Nodes;
using Inference.Testing.Checkpoints;
using Worker.Runtime;
using Worker.Runtime.Models;
using Worker.Runtime.Models.Decoder;
using Worker.Runtime.Ops.Quantization;
using Worker.Tests.Support;

namespace Worker.Tests.Models;

/// <summary>Qwen3-MoE: 6 experts, 2 per token, renormalized; head_dim 24 apart from hidden / heads.</summary>
public sealed class Qwen3MoeBatchingConsistencyTests() : BatchingConsistencyTests(
    new RandomModelSpec(96, 160, 3, 6, 2, TieWordEmbeddings: false, Std: 0.08, Seed: 14, VocabSize: 512,
        Family: CheckpointFamily.Qwen3Moe, ExplicitHeadDim: 24,
        Experts: new MixtureOfExperts(6, 2, 48, NormTopKProb: true, SparseStep: 1, DenseLayers: [])));

/// <summary>Qwen2-MoE: a shared expert, 3 of 5 experts per token, not renormalized; only the middle layer sparse (decoder_sparse_step 2).</summary>
public sealed class Qwen2MoeBatchingConsistencyTests() : BatchingConsistencyTests(
    new RandomModelSpec(64, 128, 3, 4, 2, TieWordEmbeddings: true, Std: 0.08, Seed: 15, VocabSize: 512,
        Family: CheckpointFamily.Qwen2Moe,
        Experts: new MixtureOfExperts(5, 3, 40, NormTopKProb: false, SparseStep: 2, DenseLayers: [], SharedExpertIntermediate: 96)));

/// <summary>
/// What the mixture-of-experts models do beyond the reference goldens (ReferenceGoldenTests: qwen3-moe,
/// qwen2-moe-shared-dense-layer): Q8_0 quantization of every expert, which layers are sparse, refusals by field, and
/// LoRA adapters (attention only: an adapter of a sparse layer's MLP is refused).
/// </summary>
public sealed class MixtureOfExpertsTests : IDisposable
{
    private static readonly RandomModelSpec Spec = RandomModelSpec.FromPreset("tiny", 6) with
    {
        Family = CheckpointFamily.Qwen3Moe,
        Experts = RandomModelSpec.DefaultExperts(CheckpointFamily.Qwen3Moe, 128),
    };

    private static readonly int[] Prompt = [9707, 11, 1879, 0, 785, 3974, 13876, 38835];

    private readonly TemporaryDirectory _dir = new();
    private readonly ConfigFolder _config = new();

    public MixtureOfExpertsTests() => RandomCheckpointWriter.Write(_dir.Path, Spec);

    public void Dispose()
    {
        _dir.Dispose();
        _config.Dispose();
    }

    /// <summary>
    /// Measured max |logit_q8 - logit_bf16| over all 151936 logits after the 8-token prompt: 0.0766 (AVX-512 and AVX2
    /// paths alike; the dense tiny model's is 0.0549), about half the bound; a wrong block, scale, sign or expert leaves
    /// errors of the logits' own size (about 3).
    /// </summary>
    private const float Tolerance = 0.15f;

    [Fact]
    public void Q8_0_QuantizesEveryExpert_LogitsWithinToleranceOfBf16()
    {
        using var bf16 = ModelRunner.Load(_dir.Path, new ModelRunnerOptions { NumBlocks = 16, Threads = 2 });
        using var q8 = ModelRunner.Load(_dir.Path, new ModelRunnerOptions { NumBlocks = 16, Threads = 2, Quantization = WeightQuantization.Q8_0 });

        var expected = bf16.ComputeLogits(Prompt);
        var actual = q8.ComputeLogits(Prompt);
        float worst = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            worst = Math.Max(worst, Math.Abs(actual[i] - expected[i]));
        }

        Assert.True(worst > 0, "the Q8_0 run should differ from BF16 a little: were the experts quantized?");
        Assert.True(worst <= Tolerance, $"max |q8_0 - bf16| logit difference {worst} exceeds {Tolerance}");
    }

    [Fact]
    public void SparseLayers_FollowTheStepAndMlpOnlyLayers()
    {
        var moe = new MixtureOfExperts(4, 1, 8, NormTopKProb: false, SparseStep: 2, DenseLayers: [3]);

        Assert.Equal([false, true, false, false, false, true], Enumerable.Range(0, 6).Select(moe.IsSparse));
    }

    [Fact]
    public void Config_ReadsTheExpertFields()
    {
        var json = ConfigFolder.Tiny("Qwen3MoeForCausalLM");
        json["num_experts"] = 128;
        json["num_experts_per_tok"] = 8;
        json["moe_intermediate_size"] = 768;
        json["norm_topk_prob"] = true;
        json["mlp_only_layers"] = new JsonArray(1);
        _config.Write(json);

        var moe = Assert.IsType<DecoderConfig>(ModelRegistry.LoadConfig(_config.Path)).Spec.Moe!;

        Assert.Equal((128, 8, 768, true, 1, 0), (moe.Experts, moe.ExpertsPerToken, moe.ExpertIntermediate, moe.NormTopKProb, moe.SparseStep, moe.SharedExpertIntermediate));
        Assert.Equal([1], moe.DenseLayers);
    }

    [Theory]
    [InlineData("Qwen3MoeForCausalLM", "num_experts", null)]
    [InlineData("Qwen3MoeForCausalLM", "num_experts_per_tok", 9)]
    [InlineData("Qwen3MoeForCausalLM", "moe_intermediate_size", 0)]
    [InlineData("Qwen2MoeForCausalLM", "shared_expert_intermediate_size", null)]
    public void Config_MissingOrInvalidExpertField_IsRefusedNamingIt(string architecture, string field, int? value)
    {
        var json = ConfigFolder.Tiny(architecture);
        json["num_experts"] = 8;
        json["num_experts_per_tok"] = 2;
        json["moe_intermediate_size"] = 32;
        json["shared_expert_intermediate_size"] = 64;
        if (value is { } v)
        {
            json[field] = v;
        }
        else
        {
            json.Remove(field);
        }

        _config.Write(json);

        var error = Assert.Throws<InvalidDataException>(() => ModelRegistry.LoadConfig(_config.Path));
        Assert.Contains(field, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LoraAdapter_OfAttention_Loads_OfTheExperts_IsRefused()
    {
        using var runner = ModelRunner.Load(_dir.Path, new ModelRunnerOptions { NumBlocks = 16, Threads = 2 });
        using var adapters = new TemporaryDirectory();
        string attention = Path.Combine(adapters.Path, "attention"), all = Path.Combine(adapters.Path, "all");
        RandomLoraWriter.Write(attention, Spec.Decoder, new RandomLoraSpec(Rank: 4, TargetModules: ["q_proj", "v_proj"], Seed: 1));
        RandomLoraWriter.Write(all, Spec.Decoder, new RandomLoraSpec(Rank: 4, Seed: 2));

        await runner.LoadLoraAdapterAsync("attention", attention, CancellationToken.None);
        var refused = await Assert.ThrowsAsync<ArgumentException>(() => runner.LoadLoraAdapterAsync("all", all, CancellationToken.None));

        Assert.NotEqual(runner.ComputeLogits(Prompt), runner.ComputeLogits(Prompt, "attention"));
        Assert.Contains("mixture of experts", refused.Message, StringComparison.Ordinal);
    }
}
