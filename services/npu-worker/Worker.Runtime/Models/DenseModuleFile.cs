using System.Text.Json;
using Inference.Torch;
using Worker.Runtime.Checkpoints;
using Worker.Runtime.Embeddings;

namespace Worker.Runtime.Models;

/// <summary>
/// A sentence-transformers Dense module folder, as the library saves it: config.json (in_features, out_features, bias,
/// activation_function) and model.safetensors (linear.weight [out, in], linear.bias [out]; any float type), or, from
/// older versions, the same tensors in pytorch_model.bin (<see cref="TorchSaveFile"/>).
/// </summary>
internal static class DenseModuleFile
{
    private const string WeightName = "linear.weight";
    private const string BiasName = "linear.bias";

    private static readonly Dictionary<string, DenseActivation> Activations = new(StringComparer.Ordinal)
    {
        ["torch.nn.modules.linear.Identity"] = DenseActivation.Identity,
        ["torch.nn.modules.activation.Tanh"] = DenseActivation.Tanh,
    };

    /// <param name="directory">The module's folder.</param>
    /// <param name="inFeatures">The width of what it receives: the model's hidden_size, or the Dense module before it's out_features.</param>
    /// <exception cref="InvalidDataException">A file is missing or a field does not fit (the message names the file and the field).</exception>
    public static DenseLayer Load(string directory, int inFeatures)
    {
        string configPath = Path.Combine(directory, "config.json");
        using var document = ConfigJson.ParseModuleConfig(configPath, "sentence_transformers.models.Dense");
        var root = document.RootElement;

        int declaredIn = ConfigJson.RequiredInt(root, configPath, "in_features");
        if (declaredIn != inFeatures)
        {
            throw new InvalidDataException($"{configPath}: in_features {declaredIn} differs from the {inFeatures} values the module receives.");
        }

        int outFeatures = ConfigJson.RequiredInt(root, configPath, "out_features");
        if (outFeatures < 1)
        {
            throw new InvalidDataException($"{configPath}: out_features must be >= 1, got {outFeatures}.");
        }

        bool hasBias = !root.TryGetProperty("bias", out var bias) || bias.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw new InvalidDataException($"{configPath}: 'bias' must be true or false, got {bias.GetRawText()}."),
        };
        // sentence-transformers' Dense defaults to Tanh when the config leaves the activation out.
        string activationName = root.TryGetProperty("activation_function", out var a)
            ? a.ValueKind == JsonValueKind.String ? a.GetString()! : throw new InvalidDataException($"{configPath}: 'activation_function' must be a string.")
            : "torch.nn.modules.activation.Tanh";
        if (!Activations.TryGetValue(activationName, out var activation))
        {
            throw new InvalidDataException(
                $"{configPath}: activation_function {activationName} is not supported; this worker computes {string.Join(" and ", Activations.Keys)}.");
        }

        string weightsPath = Path.Combine(directory, "model.safetensors");
        string picklePath = Path.Combine(directory, "pytorch_model.bin");
        // Older sentence-transformers modules (stella_en_1.5B_v5's 2_Dense_1024 among them) ship only torch.save's format.
        var (path, tensors) = File.Exists(weightsPath) ? (weightsPath, ReadSafetensors(weightsPath))
            : File.Exists(picklePath) ? (picklePath, TorchSaveFile.ReadStateDict(picklePath))
            : throw new InvalidDataException($"{weightsPath}: not found (nor pytorch_model.bin); the Dense module's weights are read from it.");
        return new DenseLayer(inFeatures, outFeatures, Read(tensors, path, WeightName, [outFeatures, inFeatures]),
            hasBias ? Read(tensors, path, BiasName, [outFeatures]) : null, activation);
    }

    /// <summary>Every tensor of the (small) file as fp32, in the form <see cref="TorchSaveFile"/> reads pytorch_model.bin.</summary>
    private static IReadOnlyDictionary<string, TorchSaveFile.Tensor> ReadSafetensors(string path)
    {
        using var file = new SafetensorsFile(path);
        return file.Tensors.ToDictionary(t => t.Key, t =>
        {
            var values = new float[t.Value.ElementCount];
            t.Value.CopyTo(values);
            return new TorchSaveFile.Tensor([.. t.Value.Shape], values);
        });
    }

    private static float[] Read(IReadOnlyDictionary<string, TorchSaveFile.Tensor> tensors, string path, string name, long[] shape)
    {
        var tensor = tensors.GetValueOrDefault(name) ?? throw new InvalidDataException($"{path}: tensor {name} not found.");
        return tensor.Shape.SequenceEqual(shape)
            ? tensor.Values
            : throw new InvalidDataException($"{path}: tensor {name} has shape [{string.Join(", ", tensor.Shape)}], expected [{string.Join(", ", shape)}].");
    }
}
