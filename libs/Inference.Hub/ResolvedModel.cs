namespace Inference.Hub;

/// <summary>A model folder ready to load.</summary>
/// <param name="Directory">The folder with config.json, tokenizer files and safetensors weights; or a .gguf file given as it is.</param>
/// <param name="RepoId">ORG/NAME when the model came from the hub cache; null for a plain folder.</param>
/// <param name="Revision">The commit hash of the snapshot; null for a plain folder.</param>
/// <param name="DefaultServedName">The repository id, or the folder's name (a GGUF file's name without .gguf).</param>
public sealed record ResolvedModel(string Directory, string? RepoId, string? Revision, string DefaultServedName);
