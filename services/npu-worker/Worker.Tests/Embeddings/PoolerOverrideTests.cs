using Inference.Abstractions.Execution;
using Inference.Testing.Checkpoints;
using Worker.Runtime;
using Worker.Runtime.Embeddings;
using Worker.Tests.Support;
using static Worker.Tests.Support.EmbeddingModelFixture;

namespace Worker.Tests.Embeddings;

/// <summary>vLLM's --pooler-config: read field by field, and over a model folder it embeds as that folder's own config would.</summary>
public sealed class PoolerOverrideTests
{
    [Theory]
    [InlineData("""{"pooling_type": "MEAN"}""", PoolingMode.Mean, null)]
    [InlineData("""{"pooling_type": "cls", "normalize": false}""", PoolingMode.Cls, false)]
    [InlineData("""{"pooling_type": "LAST", "normalize": true}""", PoolingMode.LastToken, true)]
    [InlineData("""{"normalize": false, "pooling_type": null}""", null, false)]
    [InlineData("{}", null, null)]
    public void Parse_ReadsPoolingTypeAndNormalize(string json, PoolingMode? mode, bool? normalize)
    {
        Assert.Equal(new PoolerOverride(mode, normalize), PoolerOverride.Parse(json));
    }

    [Theory]
    [InlineData("""{"pooling_type": "STEP"}""", "pooling_type STEP returns an output per token")]
    [InlineData("""{"pooling_type": "MAX"}""", "pooling_type must be LAST, CLS or MEAN, got 'MAX'")]
    [InlineData("""{"pooling_type": 2}""", "pooling_type must be a string, got 2")]
    [InlineData("""{"normalize": "yes"}""", "normalize must be true or false, got \"yes\"")]
    [InlineData("""{"dimensions": 64}""", "field 'dimensions' is not supported")]
    [InlineData("""["MEAN"]""", "pooler config must be a JSON object")]
    [InlineData("{", "pooler config is not JSON")]
    public void Parse_RefusesWhatItCannotServeNamingTheField(string json, string message)
    {
        var error = Assert.Throws<ArgumentException>(() => PoolerOverride.Parse(json));

        Assert.Contains(message, error.Message);
    }

    [Fact]
    public async Task OverAPlainCausalLm_EmbedsAsTheSentenceTransformersConfigSayingTheSame()
    {
        using var plain = new TemporaryDirectory();
        using var configured = new TemporaryDirectory();
        var spec = new RandomModelSpec(HiddenSize, 128, 2, 4, 2, TieWordEmbeddings: false, Std: 0.08, Seed: 21, VocabSize: VocabSize);
        RandomCheckpointWriter.Write(plain.Path, spec);
        RandomCheckpointWriter.Write(configured.Path, spec);
        SentenceTransformersLayout.Write(configured.Path, HiddenSize, PoolingMode.Mean);
        using var overridden = ModelRunner.Load(plain.Path, Options with { PoolerConfig = PoolerOverride.Parse("""{"pooling_type": "MEAN", "normalize": false}""") });
        using var reference = ModelRunner.Load(configured.Path, Options);

        var embedding = await Steps.Embed(overridden, Prompt, new PoolingParams(Normalize: false));

        Assert.Equal((PoolingMode.Mean, false), (overridden.Info.Pooling!.Mode, overridden.Info.Pooling.Normalize));
        Assert.Equal(await Steps.Embed(reference, Prompt, new PoolingParams(Normalize: false)), embedding);
    }
}
