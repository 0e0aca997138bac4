#!/usr/bin/python3
"""An independent reference forward pass for Qwen2ForCausalLM, Qwen3ForCausalLM, LlamaForCausalLM and the
mixtures of experts Qwen3MoeForCausalLM and Qwen2MoeForCausalLM.

Written from the published definitions (Hugging Face transformers' modeling_qwen2 / modeling_qwen3 /
modeling_llama / modeling_qwen3_moe / modeling_qwen2_moe semantics and modeling_rope_utils' default, "yarn" and "llama3" frequencies), not from this
repository's C# code, so the worker's golden tests compare against something that is not ours. All math is
float32 over the checkpoint's weights (BF16, F16 or F32, widened exactly). No KV cache: every step recomputes
the whole sequence, which is slow and obviously right.

Reads a Hugging Face checkpoint folder (config.json, model.safetensors or model.safetensors.index.json and
its shards; the safetensors format is parsed by hand with json + numpy) and prints, for each prompt (token
ids), the top-k logits at the last prompt position, the greedy continuation and the top-k logits after it; with
--hidden also the final-normed hidden state at the last prompt position (what last-token pooling embeds).

    /usr/bin/python3 tools/reference/reference_forward.py MODEL_DIR --prompt 1,2,3 --prompt 4,5 --new-tokens 8 [--hidden]

Needs Debian's python3-torch and python3-numpy (apt-get install -y python3-torch python3-numpy).
"""

import argparse
import json
import math
import os
import shlex
import struct
import sys

import numpy as np
import torch


# ---------------------------------------------------------------------------------------------- checkpoint

def read_safetensors(path):
    """name -> float32 tensor. Layout: u64 little-endian header length, JSON header, raw row-major data."""
    with open(path, "rb") as f:
        (header_length,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(header_length))
        data = f.read()
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        start, end = info["data_offsets"]
        raw = data[start:end]
        dtype = info["dtype"]
        if dtype == "BF16":
            # bfloat16 is the top half of a float32: widen by shifting into the high 16 bits.
            values = (np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16).view(np.float32)
        elif dtype == "F16":
            values = np.frombuffer(raw, dtype="<f2").astype(np.float32)
        elif dtype == "F32":
            values = np.frombuffer(raw, dtype="<f4").astype(np.float32)
        else:
            raise ValueError(f"{path}: tensor {name} has unsupported dtype {dtype}")
        tensors[name] = torch.from_numpy(values.copy()).reshape(info["shape"])
    return tensors


def load_weights(folder):
    index = os.path.join(folder, "model.safetensors.index.json")
    if os.path.exists(index):
        with open(index) as f:
            shards = sorted(set(json.load(f)["weight_map"].values()))
        weights = {}
        for shard in shards:
            weights.update(read_safetensors(os.path.join(folder, shard)))
        return weights
    return read_safetensors(os.path.join(folder, "model.safetensors"))


# ---------------------------------------------------------------------------------------------- config

class Config:
    """The fields each architecture's transformers config class reads, with that class's defaults."""

    def __init__(self, folder):
        with open(os.path.join(folder, "config.json")) as f:
            c = json.load(f)
        self.raw = c
        self.architecture = c["architectures"][0]
        if self.architecture not in ("Qwen2ForCausalLM", "Qwen3ForCausalLM", "LlamaForCausalLM",
                                     "Qwen3MoeForCausalLM", "Qwen2MoeForCausalLM"):
            raise ValueError(f"unsupported architecture {self.architecture}")
        self.hidden = c["hidden_size"]
        self.heads = c["num_attention_heads"]
        self.kv_heads = c.get("num_key_value_heads") or self.heads
        self.layers = c["num_hidden_layers"]
        self.vocab = c["vocab_size"]
        self.rope_theta = c.get("rope_theta", 10000.0)
        self.tied = c.get("tie_word_embeddings", False)
        qwen3 = self.architecture in ("Qwen3ForCausalLM", "Qwen3MoeForCausalLM")
        qwen2 = self.architecture in ("Qwen2ForCausalLM", "Qwen2MoeForCausalLM")
        # Mixture of experts (Qwen3MoeConfig / Qwen2MoeConfig): which layers are sparse, and how tokens are routed.
        self.moe = self.architecture in ("Qwen3MoeForCausalLM", "Qwen2MoeForCausalLM")
        if self.moe:
            self.num_experts = c["num_experts"]
            self.top_k = c["num_experts_per_tok"]
            self.norm_topk_prob = c.get("norm_topk_prob", False)
            self.sparse_step = c.get("decoder_sparse_step", 1)
            self.mlp_only_layers = c.get("mlp_only_layers") or []
            self.shared_expert = self.architecture == "Qwen2MoeForCausalLM"
        self.eps = c.get("rms_norm_eps", 1e-6)
        # Qwen3Config defaults head_dim to 128; Llama and Qwen2 derive it from hidden / heads.
        self.head_dim = c.get("head_dim") or (128 if qwen3 else self.hidden // self.heads)
        # Qwen2 always has q/k/v biases; Qwen3 and Llama only with attention_bias.
        self.qkv_bias = qwen2 or c.get("attention_bias", False)
        self.qk_norm = qwen3
        self.max_positions = c.get("max_position_embeddings", 2048 if self.architecture == "LlamaForCausalLM" else 32768)
        self.rope_scaling = c.get("rope_scaling")


# ---------------------------------------------------------------------------------------------- rope

def default_inv_freq(theta, dim):
    """inv_freq[i] = 1 / theta^(2i / d), float32."""
    return 1.0 / (theta ** (torch.arange(0, dim, 2, dtype=torch.int64).float() / dim))


def yarn_inv_freq(theta, dim, scaling, max_positions):
    """YaRN (Peng et al. 2023) as transformers' _compute_yarn_parameters and vLLM's YaRN rotary embedding:
    dimensions that rotate fewer than beta_slow times over the original context are interpolated (divided
    by factor), those rotating more than beta_fast times are kept, with a linear ramp between; cos and sin
    are multiplied by mscale = 0.1 ln(factor) + 1."""
    factor = scaling["factor"]
    original = scaling.get("original_max_position_embeddings", max_positions)
    beta_fast = scaling.get("beta_fast") or 32
    beta_slow = scaling.get("beta_slow") or 1
    attention_factor = scaling.get("attention_factor")
    if attention_factor is None:
        attention_factor = 0.1 * math.log(factor) + 1.0 if factor > 1 else 1.0

    def correction_dim(rotations):
        # The dimension whose wavelength fits `rotations` times into the original context.
        return dim * math.log(original / (rotations * 2 * math.pi)) / (2 * math.log(theta))

    low = max(math.floor(correction_dim(beta_fast)), 0)
    high = min(math.ceil(correction_dim(beta_slow)), dim - 1)
    if low == high:
        high += 0.001
    ramp = torch.clamp((torch.arange(dim // 2, dtype=torch.float32) - low) / (high - low), 0, 1)
    keep = 1 - ramp  # 1: extrapolate (keep the frequency), 0: interpolate
    pos_freqs = theta ** (torch.arange(0, dim, 2).float() / dim)
    extrapolation = 1.0 / pos_freqs
    interpolation = 1.0 / (factor * pos_freqs)
    return interpolation * (1 - keep) + extrapolation * keep, attention_factor


def llama3_inv_freq(theta, dim, scaling):
    """Llama 3.1's scaling: long wavelengths (> original / low_freq_factor) divided by factor, short ones
    (< original / high_freq_factor) kept, a smooth blend in between."""
    inv_freq = default_inv_freq(theta, dim)
    factor = scaling["factor"]
    low_freq_factor = scaling["low_freq_factor"]
    high_freq_factor = scaling["high_freq_factor"]
    original = scaling["original_max_position_embeddings"]
    low_freq_wavelen = original / low_freq_factor
    high_freq_wavelen = original / high_freq_factor
    wavelen = 2 * math.pi / inv_freq
    scaled = torch.where(wavelen > low_freq_wavelen, inv_freq / factor, inv_freq)
    smooth = (original / wavelen - low_freq_factor) / (high_freq_factor - low_freq_factor)
    smoothed = (1 - smooth) * scaled / factor + smooth * scaled
    medium = (wavelen >= high_freq_wavelen) & (wavelen <= low_freq_wavelen)
    return torch.where(medium, smoothed, scaled), 1.0


def rope_tables(cfg, positions):
    """cos, sin [T, head_dim] (the half-width angles repeated twice, as rotate_half expects)."""
    scaling = cfg.rope_scaling
    kind = None if scaling is None else scaling.get("rope_type", scaling.get("type"))
    if kind in (None, "default"):
        inv_freq, attention_factor = default_inv_freq(cfg.rope_theta, cfg.head_dim), 1.0
    elif kind == "yarn":
        inv_freq, attention_factor = yarn_inv_freq(cfg.rope_theta, cfg.head_dim, scaling, cfg.max_positions)
    elif kind == "llama3":
        inv_freq, attention_factor = llama3_inv_freq(cfg.rope_theta, cfg.head_dim, scaling)
    else:
        raise ValueError(f"unsupported rope_scaling type {kind}")
    freqs = positions.float()[:, None] * inv_freq.float()[None, :]
    emb = torch.cat((freqs, freqs), dim=-1)
    return emb.cos() * attention_factor, emb.sin() * attention_factor


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


# ---------------------------------------------------------------------------------------------- model

def rms_norm(x, weight, eps):
    """x / sqrt(mean(x^2) + eps) * weight, over the last dimension."""
    variance = x.pow(2).mean(-1, keepdim=True)
    return weight * (x * torch.rsqrt(variance + eps))


def linear(x, w, name, bias_name=None):
    y = x @ w[name].T
    if bias_name is not None:
        y = y + w[bias_name]
    return y


def attention(cfg, w, prefix, x, cos, sin):
    t = x.shape[0]
    d = cfg.head_dim
    bias = (lambda n: prefix + n + ".bias") if cfg.qkv_bias else (lambda n: None)
    q = linear(x, w, prefix + "q_proj.weight", bias("q_proj")).view(t, cfg.heads, d)
    k = linear(x, w, prefix + "k_proj.weight", bias("k_proj")).view(t, cfg.kv_heads, d)
    v = linear(x, w, prefix + "v_proj.weight", bias("v_proj")).view(t, cfg.kv_heads, d)
    if cfg.qk_norm:  # Qwen3: RMSNorm over each head's head_dim, before RoPE
        q = rms_norm(q, w[prefix + "q_norm.weight"], cfg.eps)
        k = rms_norm(k, w[prefix + "k_norm.weight"], cfg.eps)
    q = q * cos[:, None, :] + rotate_half(q) * sin[:, None, :]
    k = k * cos[:, None, :] + rotate_half(k) * sin[:, None, :]
    group = cfg.heads // cfg.kv_heads  # grouped-query attention: query head h reads KV head h // group
    k = k.repeat_interleave(group, dim=1)
    v = v.repeat_interleave(group, dim=1)
    q, k, v = (a.transpose(0, 1) for a in (q, k, v))  # [heads, T, d]
    scores = (q @ k.transpose(1, 2)) * d ** -0.5
    causal = torch.triu(torch.ones(t, t, dtype=torch.bool), diagonal=1)
    scores = scores.masked_fill(causal, float("-inf"))
    out = torch.softmax(scores, dim=-1) @ v  # [heads, T, d]
    return linear(out.transpose(0, 1).reshape(t, cfg.heads * d), w, prefix + "o_proj.weight")


def mlp(w, prefix, x):
    """SwiGLU: down(silu(gate(x)) * up(x))."""
    gate = linear(x, w, prefix + "gate_proj.weight")
    up = linear(x, w, prefix + "up_proj.weight")
    return linear(torch.nn.functional.silu(gate) * up, w, prefix + "down_proj.weight")


def is_sparse(cfg, layer):
    """transformers' decoder layer: experts unless mlp_only_layers keeps the dense MLP, on every decoder_sparse_step-th layer."""
    return cfg.moe and layer not in cfg.mlp_only_layers and cfg.num_experts > 0 and (layer + 1) % cfg.sparse_step == 0


def sparse_moe(cfg, w, prefix, x):
    """Qwen3MoeSparseMoeBlock / Qwen2MoeSparseMoeBlock: softmax router probabilities, the top-k experts per token
    (renormalized with norm_topk_prob), the weighted sum of their SwiGLU outputs; Qwen2-MoE adds
    sigmoid(shared_expert_gate(x)) * shared_expert(x)."""
    router_logits = linear(x, w, prefix + "gate.weight")  # [T, E]
    routing = torch.softmax(router_logits, dim=1, dtype=torch.float)
    routing, selected = torch.topk(routing, cfg.top_k, dim=-1)
    if cfg.norm_topk_prob:
        routing = routing / routing.sum(dim=-1, keepdim=True)
    out = torch.zeros_like(x)
    for expert in range(cfg.num_experts):
        rows, slot = torch.where(selected == expert)
        if rows.numel() == 0:
            continue
        y = mlp(w, prefix + f"experts.{expert}.", x[rows])
        out.index_add_(0, rows, y * routing[rows, slot, None])
    if cfg.shared_expert:
        gate = torch.sigmoid(linear(x, w, prefix + "shared_expert_gate.weight"))
        out = out + gate * mlp(w, prefix + "shared_expert.", x)
    return out


def final_hidden(cfg, w, ids):
    """The hidden states after the final norm [T, H] (transformers' last_hidden_state), positions 0..T-1."""
    x = w["model.embed_tokens.weight"][torch.tensor(ids)]
    cos, sin = rope_tables(cfg, torch.arange(len(ids)))
    for layer in range(cfg.layers):
        p = f"model.layers.{layer}."
        x = x + attention(cfg, w, p + "self_attn.", rms_norm(x, w[p + "input_layernorm.weight"], cfg.eps), cos, sin)
        block = sparse_moe if is_sparse(cfg, layer) else (lambda c, ww, pre, h: mlp(ww, pre, h))
        x = x + block(cfg, w, p + "mlp.", rms_norm(x, w[p + "post_attention_layernorm.weight"], cfg.eps))
    return rms_norm(x, w["model.norm.weight"], cfg.eps)


def forward(cfg, w, ids):
    """logits [T, V] for the token ids, positions 0..T-1."""
    head = w["model.embed_tokens.weight"] if cfg.tied else w["lm_head.weight"]
    return final_hidden(cfg, w, ids) @ head.T


def top(logits, k):
    values, ids = torch.topk(logits, k)
    return [{"id": int(i), "logit": round(float(v), 5)} for v, i in zip(values, ids)]


def run_case(cfg, w, prompt, new_tokens, top_k, hidden):
    with torch.no_grad():
        ids = list(prompt)
        last = forward(cfg, w, ids)[-1]
        case = {"prompt_ids": list(prompt), "last_top10": top(last, top_k)}
        if hidden:
            # The unnormalized last-token embedding (sentence-transformers' pooling_mode_lasttoken before Normalize).
            case["last_hidden"] = [round(float(v), 6) for v in final_hidden(cfg, w, ids)[-1]]
        greedy = []
        logits = last
        for _ in range(new_tokens):
            greedy.append(int(torch.argmax(logits)))
            ids.append(greedy[-1])
            logits = forward(cfg, w, ids)[-1]
        case["greedy"] = greedy
        case["final_top5"] = top(logits, 5)
        return case


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("model", help="Hugging Face checkpoint folder")
    parser.add_argument("--prompt", action="append", required=True, help="comma-separated token ids; repeatable")
    parser.add_argument("--new-tokens", type=int, default=16)
    parser.add_argument("--top-k", type=int, default=10)
    parser.add_argument("--hidden", action="store_true", help="also write each prompt's final-normed last hidden state (last_hidden)")
    parser.add_argument("--make-model", default=None, help="the make-model command line that wrote MODEL, recorded in the output")
    args = parser.parse_args()

    torch.set_num_threads(max(1, min(4, os.cpu_count() or 1)))
    cfg = Config(args.model)
    w = load_weights(args.model)
    cases = [run_case(cfg, w, [int(i) for i in p.split(",")], args.new_tokens, args.top_k, args.hidden) for p in args.prompt]
    result = {
        "description": "Reference outputs of a deterministic random checkpoint (fixtures/RANDOM_MODEL.md): "
                       "float32 PyTorch forward written from the transformers definition of the architecture.",
        "script": "tools/reference/reference_forward.py",
        "torch_version": torch.__version__,
        "make_model": args.make_model,
        "make_model_args": shlex.split(args.make_model)[1:] if args.make_model else None,
        "config": cfg.raw,
        "cases": cases,
    }
    json.dump(result, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
