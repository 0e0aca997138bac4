namespace Worker.Service;

/// <summary>Configuration section "Worker".</summary>
public sealed class WorkerOptions
{
    public const string Section = "Worker";

    /// <summary>Hugging Face model folder (config.json, *.safetensors), or a GGUF file (qwen2, qwen3, llama, qwen3moe, qwen2moe). Required.</summary>
    public string ModelPath { get; set; } = "";

    /// <summary>Tokens per KV block. Default 16.</summary>
    public int BlockSize { get; set; } = 16;

    /// <summary>KV blocks to allocate; when unset, as many as fit in KvCacheMiB. Default unset.</summary>
    public int? NumBlocks { get; set; }

    /// <summary>KV memory budget in MiB (used when NumBlocks is unset). Default 512.</summary>
    public int KvCacheMiB { get; set; } = 512;

    /// <summary>Longest sequence accepted; unset means config.json max_position_embeddings capped by KV capacity.</summary>
    public int? MaxModelLength { get; set; }

    /// <summary>Compute threads. Default: all processors.</summary>
    public int Threads { get; set; } = Environment.ProcessorCount;

    /// <summary>
    /// Most prompt positions whose vocabulary-sized logits one forward pass computes for prompt logprobs; a step that
    /// needs more runs the rest in further passes (bounds the logits memory). Default 128.
    /// </summary>
    public int MaxPromptLogprobRows { get; set; } = 128;

    /// <summary>Device label. Default "cpu:0" (the CPU backend is the only one in this build).</summary>
    public string Device { get; set; } = "cpu:0";

    /// <summary>Model name reported by Info. Default: the last segment of HostModelPath when set, else the model folder's name.</summary>
    public string? ServedModelName { get; set; }

    /// <summary>
    /// The model folder as the operator named it, when ModelPath is where a container mounts it (compose mounts
    /// MODEL_DIR at /model): its last segment is the default served model name, so a mounted folder is served by
    /// its own name rather than the mount point's. Read as a string, never opened. Default unset.
    /// </summary>
    public string? HostModelPath { get; set; }

    /// <summary>How matrix weights are held: "none" (as the checkpoint stores them) or "q8_0" (quantized at load). Default "none".</summary>
    public string Quantization { get; set; } = "none";

    /// <summary>
    /// vLLM's --kv-cache-dtype: "auto" (fp32, the precision the worker computes in) or "bfloat16" (half the bytes: twice
    /// the positions in KvCacheMiB). Environment: Worker__KvCacheDtype. Default "auto" (empty is auto).
    /// </summary>
    public string KvCacheDtype { get; set; } = "auto";

    /// <summary>
    /// How the model embeds, over what its folder says: vLLM's --pooler-config JSON, pooling_type (LAST, CLS, MEAN)
    /// and normalize. Environment: Worker__PoolerConfig. Default unset (or empty): the folder's sentence-transformers
    /// config, or last token and normalized without one.
    /// </summary>
    public string? PoolerConfig { get; set; }

    /// <summary>
    /// vLLM's --hf-overrides JSON: fields that replace the model folder's config.json fields before it is read, for
    /// example to run Qwen3-Reranker as a classifier (see README). Environment: Worker__HfOverrides. Default unset (or
    /// empty): config.json as it is.
    /// </summary>
    public string? HfOverrides { get; set; }

    /// <summary>
    /// LoRA adapters to load beside the model, each served under its own model name (vLLM's --lora-modules):
    /// entries name=path (a PEFT folder: adapter_config.json and adapter_model.safetensors) separated by spaces or
    /// commas. Environment: Worker__LoraModules. Default empty: none.
    /// </summary>
    public string LoraModules { get; set; } = "";

    /// <summary>Scheduler to register with (e.g. "http://127.0.0.1:50052"). Default unset: no registration.</summary>
    public string? SchedulerAddress { get; set; }

    /// <summary>Address sent when registering. Default: the first address Kestrel listens on.</summary>
    public string? AdvertisedAddress { get; set; }
}
