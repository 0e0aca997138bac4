using Inference.Testing.Checkpoints;
using Worker.Runtime;
using Worker.Runtime.Lora;
using Worker.Tests.Support;

namespace Worker.Tests.Lora;

/// <summary>
/// A small random base model with three random adapters loaded beside it (all seven projections; q, v and down
/// only; an rsLoRA one), and for each adapter the base with it merged in (F32, <see cref="MergedLoraCheckpointWriter"/>)
/// loaded as a plain model: the reference its logits must equal.
/// </summary>
public abstract class LoraModelFixture : IDisposable
{
    public const string AllLinear = "all-linear";
    public const string Subset = "q-v-down";
    public const string RsLora = "rslora";

    public static readonly RandomLoraSpec AllLinearSpec = new(Rank: 8, Alpha: 16, Seed: 101);
    public static readonly RandomLoraSpec SubsetSpec = new(Rank: 4, Alpha: 8, TargetModules: ["q_proj", "v_proj", "down_proj"], DType: Worker.Runtime.Checkpoints.TensorDType.F32, Seed: 102);
    public static readonly RandomLoraSpec RsLoraSpec = new(Rank: 16, Alpha: 8, UseRsLora: true, DType: Worker.Runtime.Checkpoints.TensorDType.F16, Seed: 103);

    private readonly TemporaryDirectory _dir = new();
    private readonly Dictionary<string, ModelRunner> _merged = [];

    protected LoraModelFixture(RandomModelSpec spec)
    {
        Spec = spec;
        RandomCheckpointWriter.Write(BasePath, spec);
        var modules = new List<LoraModule>();
        foreach (var (name, loraSpec) in new[] { (AllLinear, AllLinearSpec), (Subset, SubsetSpec), (RsLora, RsLoraSpec) })
        {
            string adapter = AdapterPath(name);
            RandomLoraWriter.Write(adapter, BasePath, loraSpec);
            string merged = Path.Combine(_dir.Path, "merged-" + name);
            MergedLoraCheckpointWriter.Write(BasePath, adapter, merged);
            _merged[name] = ModelRunner.Load(merged, Options);
            modules.Add(new LoraModule(name, adapter));
        }

        Runner = ModelRunner.Load(BasePath, Options with { LoraModules = modules });
    }

    public static ModelRunnerOptions Options { get; } = new() { NumBlocks = 64, BlockSize = 4, Threads = 2 };

    public RandomModelSpec Spec { get; }

    public string BasePath => Path.Combine(_dir.Path, "base");

    /// <summary>The base model with the three adapters: tests must finish every request they start.</summary>
    public ModelRunner Runner { get; }

    public string AdapterPath(string name) => Path.Combine(_dir.Path, "adapter-" + name);

    /// <summary>The base with adapter <paramref name="name"/> merged into its weights.</summary>
    public ModelRunner Merged(string name) => _merged[name];

    public void Dispose()
    {
        Runner.Dispose();
        foreach (var runner in _merged.Values)
        {
            runner.Dispose();
        }

        _dir.Dispose();
        GC.SuppressFinalize(this);
    }
}

/// <summary>Qwen2: q/k/v biases, hidden 64, 2 layers, 4 heads over 2 KV heads, untied head.</summary>
public sealed class Qwen2LoraFixture() : LoraModelFixture(
    new RandomModelSpec(64, 96, 2, 4, 2, TieWordEmbeddings: false, Std: 0.08, Seed: 21, VocabSize: 512));

/// <summary>Qwen3: per-head q/k norms, head_dim 24 (so q_proj is 144 wide over hidden 96, and o_proj maps it back), tied head.</summary>
public sealed class Qwen3LoraFixture() : LoraModelFixture(
    new RandomModelSpec(96, 160, 2, 6, 2, TieWordEmbeddings: true, Std: 0.08, Seed: 22, VocabSize: 512,
        Family: CheckpointFamily.Qwen3, ExplicitHeadDim: 24));
