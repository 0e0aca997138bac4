using Scheduler.Core.Speculation;

namespace Scheduler.Tests.Speculation;

public sealed class SpeculativeConfigTests
{
    [Theory]
    [InlineData("""{"method": "ngram", "num_speculative_tokens": 4, "prompt_lookup_max": 3, "prompt_lookup_min": 2}""", 4, 2, 3, null)]
    [InlineData("""{"method": "ngram", "num_speculative_tokens": 5}""", 5, 5, 5, null)]
    [InlineData("""{"method": "ngram", "num_speculative_tokens": 2, "prompt_lookup_max": 4}""", 2, 4, 4, null)]
    [InlineData("""{"model": "[ngram]", "num_speculative_tokens": 3, "prompt_lookup_min": 2, "disable_by_batch_size": 4}""", 3, 2, 2, 4)]
    public void Parse_TakesVllmsForms(string json, int k, int min, int max, int? disable) =>
        Assert.Equal(new SpeculativeConfig(k, min, max, disable), SpeculativeConfig.Parse(json));

    [Theory]
    [InlineData("""{"method": "eagle", "model": "yuhuili/EAGLE-LLaMA3-Instruct-8B", "num_speculative_tokens": 2}""", "method \"eagle\" is not served here")]
    [InlineData("""{"model": "Qwen/Qwen2.5-0.5B", "num_speculative_tokens": 2}""", "method \"Qwen/Qwen2.5-0.5B\" is not served here")]
    [InlineData("""{"num_speculative_tokens": 2}""", "speculative_config.method is required")]
    [InlineData("""{"method": "ngram"}""", "speculative_config.num_speculative_tokens is required")]
    [InlineData("""{"method": "ngram", "num_speculative_tokens": 0}""", "num_speculative_tokens must be in [1, 64], got 0")]
    [InlineData("""{"method": "ngram", "num_speculative_tokens": 2, "prompt_lookup_min": 0}""", "prompt_lookup_min must be > 0, got 0")]
    [InlineData("""{"method": "ngram", "num_speculative_tokens": 2, "prompt_lookup_min": 4, "prompt_lookup_max": 2}""", "prompt_lookup_max must be >= prompt_lookup_min 4, got 2")]
    [InlineData("""{"method": "ngram", "num_speculative_tokens": "4"}""", "num_speculative_tokens must be an integer")]
    [InlineData("""{"method": "ngram", "num_speculative_tokens": 2, "draft_tensor_parallel_size": 1}""", "speculative_config.draft_tensor_parallel_size is not supported")]
    [InlineData("""{"method": "ngram", "num_speculative_tokens": 2, "disable_by_batch_size": 1}""", "disable_by_batch_size must be >= 2, got 1")]
    [InlineData("""[1, 2]""", "must be a JSON object")]
    [InlineData("""{"method": """, "must be a JSON object")]
    public void Parse_Refusals_NameTheField(string json, string message) =>
        Assert.Contains(message, Assert.Throws<ArgumentException>(() => SpeculativeConfig.Parse(json)).Message);
}
