using Worker.Runtime.Kv;
using Worker.Runtime.Ops;

namespace Worker.Runtime.Models;

/// <summary>A loaded causal language model, as the runner drives it: one batched forward over the paged KV cache.</summary>
public interface ICausalLm
{
    /// <summary>How the weights are held in memory ("bf16", "fp32" or "q8_0"), for the load log.</summary>
    string WeightType { get; }

    /// <summary>
    /// Runs every token of the batch, writing its K and V into its slot of <paramref name="cache"/>, and returns
    /// logits for the rows in batch.LogitTokens and final-normed hidden states for those in batch.HiddenTokens.
    /// </summary>
    ForwardOutput Forward(ForwardBatch batch, PagedKvCache cache);
}
