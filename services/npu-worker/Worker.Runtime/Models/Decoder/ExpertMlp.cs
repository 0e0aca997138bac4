using System.Numerics.Tensors;
using Worker.Runtime.Ops;

namespace Worker.Runtime.Models.Decoder;

/// <summary>
/// The MLP of a sparse layer over one step's tokens (<see cref="MixtureOfExperts"/>), as transformers' Qwen3-MoE and
/// Qwen2-MoE blocks compute it: router probabilities = softmax(x W_router^T); each token's k most probable experts,
/// their probabilities renormalized to sum 1 when norm_topk_prob; y = Σ p_e · down_e(silu(gate_e(x)) · up_e(x)), plus
/// sigmoid(x · w_shared_gate) · shared_expert(x) where there is a shared expert. Tokens are grouped by expert, so each
/// expert's weights are read once per step, in one matmul over the tokens that chose it; an expert no token chose is
/// not read at all. Buffers grow with the largest step and are reused.
/// </summary>
internal sealed class ExpertMlp(DecoderSpec dims, DeviceOps ops)
{
    private readonly MixtureOfExperts _moe = dims.Moe ?? throw new ArgumentException("The decoder has no mixture of experts.", nameof(dims));
    private int _capacity;
    private float[] _probs = [];      // [T, E] router probabilities
    private int[] _chosen = [];       // [T, k] each token's experts
    private float[] _weights = [];    // [T, k] their weights
    private int[] _starts = [];       // [E + 1] where each expert's tokens start in _tokens
    private int[] _tokens = [];       // [T * k] token indices grouped by expert
    private float[] _tokenWeights = [];
    private float[] _rows = [];       // [T, H] the inputs of one expert's tokens
    private float[] _gateUp = [];     // [T, 2 * max(Ie, Is)] gate and up rows, then the SwiGLU product
    private float[] _out = [];        // [T, H] one expert's outputs

    /// <summary>Writes the layer's MLP output for the <paramref name="tokens"/> rows of <paramref name="xn"/> to <paramref name="y"/>.</summary>
    public void Run(ExpertWeights w, ReadOnlySpan<float> xn, int tokens, Span<float> y)
    {
        EnsureCapacity(tokens);
        int h = dims.Hidden, experts = _moe.Experts, k = _moe.ExpertsPerToken;
        Route(w.Router, xn, tokens);
        GroupByExpert(tokens);

        y[..(tokens * h)].Clear();
        for (int e = 0; e < experts; e++)
        {
            int first = _starts[e], count = _starts[e + 1] - first;
            if (count == 0)
            {
                continue;
            }

            for (int r = 0; r < count; r++)
            {
                xn.Slice(_tokens[first + r] * h, h).CopyTo(_rows.AsSpan(r * h, h));
            }

            SwiGluMlp(_rows, count, w.GateUpProj[e], w.DownProj[e], _moe.ExpertIntermediate);
            for (int r = 0; r < count; r++)
            {
                var target = y.Slice(_tokens[first + r] * h, h);
                TensorPrimitives.MultiplyAdd(_out.AsSpan(r * h, h), _tokenWeights[first + r], target, target);
            }
        }

        if (w.SharedGateUpProj is { } sharedGateUp)
        {
            xn[..(tokens * h)].CopyTo(_rows);
            SwiGluMlp(_rows, tokens, sharedGateUp, w.SharedDownProj!, _moe.SharedExpertIntermediate);
            for (int i = 0; i < tokens; i++)
            {
                float gate = 1f / (1f + MathF.Exp(-TensorPrimitives.Dot(w.SharedExpertGate, xn.Slice(i * h, h))));
                var target = y.Slice(i * h, h);
                TensorPrimitives.MultiplyAdd(_out.AsSpan(i * h, h), gate, target, target);
            }
        }
    }

    /// <summary>Each token's experts and weights: softmax over the router's logits, the k largest, renormalized when norm_topk_prob.</summary>
    private void Route(float[] router, ReadOnlySpan<float> xn, int tokens)
    {
        int h = dims.Hidden, experts = _moe.Experts, k = _moe.ExpertsPerToken;
        for (int i = 0; i < tokens; i++)
        {
            var x = xn.Slice(i * h, h);
            var probs = _probs.AsSpan(i * experts, experts);
            for (int e = 0; e < experts; e++)
            {
                probs[e] = TensorPrimitives.Dot(router.AsSpan(e * h, h), x);
            }

            TensorPrimitives.SoftMax(probs, probs);
            var chosen = _chosen.AsSpan(i * k, k);
            var weights = _weights.AsSpan(i * k, k);
            float sum = 0;
            for (int j = 0; j < k; j++)
            {
                // The largest probability not yet chosen; of equal ones the lower expert, as torch.topk returns them.
                int best = -1;
                for (int e = 0; e < experts; e++)
                {
                    if ((best < 0 || probs[e] > probs[best]) && !chosen[..j].Contains(e))
                    {
                        best = e;
                    }
                }

                chosen[j] = best;
                weights[j] = probs[best];
                sum += probs[best];
            }

            if (_moe.NormTopKProb)
            {
                TensorPrimitives.Divide(weights, sum, weights);
            }
        }
    }

    /// <summary>A counting sort of the (token, expert) pairs by expert, token order kept within each.</summary>
    private void GroupByExpert(int tokens)
    {
        int experts = _moe.Experts, pairs = tokens * _moe.ExpertsPerToken;
        Array.Clear(_starts);
        for (int p = 0; p < pairs; p++)
        {
            _starts[_chosen[p] + 1]++;
        }

        for (int e = 0; e < experts; e++)
        {
            _starts[e + 1] += _starts[e];
        }

        Span<int> next = experts <= 512 ? stackalloc int[experts] : new int[experts];
        _starts.AsSpan(0, experts).CopyTo(next);
        for (int p = 0; p < pairs; p++)
        {
            int slot = next[_chosen[p]]++;
            _tokens[slot] = p / _moe.ExpertsPerToken;
            _tokenWeights[slot] = _weights[p];
        }
    }

    /// <summary>_out[0..count) = down(silu(gate(rows)) · up(rows)), as the dense MLP computes it.</summary>
    private void SwiGluMlp(float[] rows, int count, WeightMatrix gateUp, WeightMatrix down, int intermediate)
    {
        int h = dims.Hidden;
        ops.MatMul.MatMul(rows.AsSpan(0, count * h), count, gateUp, _gateUp.AsSpan(0, count * 2 * intermediate));
        ops.SwiGlu.SwiGlu(_gateUp, count, intermediate);
        ops.MatMul.MatMul(_gateUp.AsSpan(0, count * intermediate), count, down, _out.AsSpan(0, count * h));
    }

    private void EnsureCapacity(int tokens)
    {
        if (tokens <= _capacity)
        {
            return;
        }

        int t = Math.Max(tokens, _capacity * 2), k = _moe.ExpertsPerToken, h = dims.Hidden;
        int width = Math.Max(_moe.ExpertIntermediate, _moe.SharedExpertIntermediate);
        _probs = new float[t * _moe.Experts];
        _chosen = new int[t * k];
        _weights = new float[t * k];
        _starts = new int[_moe.Experts + 1];
        _tokens = new int[t * k];
        _tokenWeights = new float[t * k];
        _rows = new float[t * h];
        _gateUp = new float[t * 2 * width];
        _out = new float[t * h];
        _capacity = t;
    }
}
