namespace Integration.Tests.Speculation;

/// <summary>`serve` with vLLM's n-gram speculative decoding on the tiny seed-0 model, whose greedy text repeats itself.</summary>
public sealed class SpeculativeServedSystem() : ServedSystem(
    "--speculative-config", """{"method": "ngram", "num_speculative_tokens": 4, "prompt_lookup_max": 3, "prompt_lookup_min": 1}""");
