namespace Inference.Abstractions.Text;

/// <summary>
/// The reasoning parsers the gateway knows, by vLLM's <c>--reasoning-parser</c> names: both read a
/// <c>&lt;think&gt;...&lt;/think&gt;</c> block off the front of a chat answer into the message's reasoning.
/// <c>qwen3</c> takes the block only where the answer opens with <c>&lt;think&gt;</c> (Qwen3 writes it itself, and
/// writes none with enable_thinking false); <c>deepseek_r1</c> takes the answer as reasoning from its first token up to
/// <c>&lt;/think&gt;</c>, for templates that open the block in the prompt (DeepSeek-R1, QwQ). With either, a structured
/// output starts after the reasoning (<see cref="Generation.StructuredOutput.AfterReasoning"/>). `serve` checks its flag
/// and the gateway its setting against this one list.
/// </summary>
public static class ReasoningParserNames
{
    public const string Qwen3 = "qwen3";
    public const string DeepSeekR1 = "deepseek_r1";

    public static IReadOnlyList<string> All { get; } = [Qwen3, DeepSeekR1];

    public static bool IsKnown(string name) => All.Contains(name, StringComparer.Ordinal);
}
