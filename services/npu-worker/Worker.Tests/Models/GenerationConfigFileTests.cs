using Inference.Abstractions.Execution;
using Worker.Runtime.Models;
using Worker.Tests.Support;

namespace Worker.Tests.Models;

public sealed class GenerationConfigFileTests : IDisposable
{
    private readonly TemporaryDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void LoadSamplingDefaults_QwenInstructFile_ReadsItsSamplingFieldsAndMaxNewTokens()
    {
        // Qwen2.5-7B-Instruct's generation_config.json, plus max_new_tokens.
        File.WriteAllText(Path.Combine(_dir.Path, "generation_config.json"), """
            {"bos_token_id": 151643, "pad_token_id": 151643, "do_sample": true, "eos_token_id": [151645, 151643],
             "repetition_penalty": 1.05, "temperature": 0.7, "top_p": 0.8, "top_k": 20, "max_new_tokens": 512,
             "transformers_version": "4.37.0"}
            """);

        var defaults = GenerationConfigFile.LoadSamplingDefaults(_dir.Path);

        Assert.Equal(new SamplingDefaults(Temperature: 0.7f, TopP: 0.8f, TopK: 20, RepetitionPenalty: 1.05f, MaxTokens: 512), defaults);
    }

    [Fact]
    public void LoadSamplingDefaults_NoFile_HasNoDefaults()
    {
        Assert.Equal(SamplingDefaults.None, GenerationConfigFile.LoadSamplingDefaults(_dir.Path));
    }

    [Fact]
    public void LoadSamplingDefaults_WrongType_NamesTheField()
    {
        File.WriteAllText(Path.Combine(_dir.Path, "generation_config.json"), """{"temperature": "hot"}""");

        var error = Assert.Throws<InvalidDataException>(() => GenerationConfigFile.LoadSamplingDefaults(_dir.Path));

        Assert.Contains("temperature", error.Message);
    }
}
