using Worker.Runtime.Models.Decoder;

namespace Worker.Runtime.Lora;

/// <summary>The decoder's linear modules an adapter may change: the seven projections of every layer.</summary>
public enum LoraTarget
{
    QProj,
    KProj,
    VProj,
    OProj,
    GateProj,
    UpProj,
    DownProj,
}

/// <summary>Each target's Hugging Face module name and the shapes its A and B must have in a given base model.</summary>
public static class LoraTargets
{
    public static IReadOnlyList<LoraTarget> All { get; } = Enum.GetValues<LoraTarget>();

    /// <summary>The module's last name segment, as target_modules and the tensor names spell it ("q_proj").</summary>
    public static string ModuleName(this LoraTarget target) => target switch
    {
        LoraTarget.QProj => "q_proj",
        LoraTarget.KProj => "k_proj",
        LoraTarget.VProj => "v_proj",
        LoraTarget.OProj => "o_proj",
        LoraTarget.GateProj => "gate_proj",
        LoraTarget.UpProj => "up_proj",
        LoraTarget.DownProj => "down_proj",
        _ => throw new ArgumentOutOfRangeException(nameof(target)),
    };

    /// <summary>"self_attn" or "mlp": the block holding the module.</summary>
    public static string Block(this LoraTarget target) => target <= LoraTarget.OProj ? "self_attn" : "mlp";

    /// <summary>The module's name in the base model, as PEFT matches target_modules against it: "model.layers.3.self_attn.q_proj".</summary>
    public static string QualifiedName(this LoraTarget target, int layer) => $"model.layers.{layer}.{target.Block()}.{target.ModuleName()}";

    public static bool TryParse(string moduleName, out LoraTarget target)
    {
        foreach (var candidate in All)
        {
            if (candidate.ModuleName() == moduleName)
            {
                target = candidate;
                return true;
            }
        }

        target = default;
        return false;
    }

    /// <summary>(in_features, out_features) of the module in the base model: A is [r, in], B is [out, r].</summary>
    public static (int In, int Out) Features(this LoraTarget target, DecoderSpec spec) => target switch
    {
        LoraTarget.QProj => (spec.Hidden, spec.QueryWidth),
        LoraTarget.KProj or LoraTarget.VProj => (spec.Hidden, spec.KvWidth),
        LoraTarget.OProj => (spec.QueryWidth, spec.Hidden),
        LoraTarget.GateProj or LoraTarget.UpProj => (spec.Hidden, spec.Intermediate),
        LoraTarget.DownProj => (spec.Intermediate, spec.Hidden),
        _ => throw new ArgumentOutOfRangeException(nameof(target)),
    };
}
