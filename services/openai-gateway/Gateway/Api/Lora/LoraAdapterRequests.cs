using Gateway.Api.Errors;
using Gateway.Api.Json;

namespace Gateway.Api.Lora;

/// <summary>A load request's adapter: the model name clients will use, and its folder as the workers see it.</summary>
public sealed record LoraAdapterLoad(string Name, string Path);

/// <summary>
/// The bodies of vLLM's load and unload requests (its <c>LoadLoRAAdapterRequest</c> and <c>UnloadLoRAAdapterRequest</c>),
/// checked as vLLM checks them. A field of vLLM's that this gateway does not serve is a 400 naming it, as the other
/// endpoints refuse theirs; fields vLLM does not know are ignored, as there.
/// </summary>
public static class LoraAdapterRequests
{
    public const string NameField = "lora_name";
    public const string PathField = "lora_path";

    /// <summary>vLLM's unload may name the adapter by its engine id; adapters here are known by name only.</summary>
    public const string IdField = "lora_int_id";

    /// <summary>Newer vLLM's load replaces a loaded adapter of the same name when this is true.</summary>
    public const string InPlaceField = "load_inplace";

    /// <summary>lora_name and lora_path, both non-empty strings (vLLM's one message names them both; param names the first missing).</summary>
    public static LoraAdapterLoad ReadLoad(RequestFields fields)
    {
        if (fields.Bool(InPlaceField) == true)
        {
            throw ApiException.BadRequest(
                $"{InPlaceField} is not supported: unload the adapter, then load it again.", InPlaceField);
        }

        var name = fields.String(NameField);
        var path = fields.String(PathField);
        if (string.IsNullOrEmpty(name) || string.IsNullOrEmpty(path))
        {
            throw ApiException.BadRequest(
                "Both 'lora_name' and 'lora_path' must be provided.", string.IsNullOrEmpty(name) ? NameField : PathField);
        }

        return new LoraAdapterLoad(name, path);
    }

    /// <summary>lora_name, a non-empty string; lora_int_id is refused.</summary>
    public static string ReadUnload(RequestFields fields)
    {
        if (fields.Raw(IdField) is not null)
        {
            throw ApiException.BadRequest(
                $"{IdField} is not supported: adapters here have no ids; name the adapter with {NameField}.", IdField);
        }

        var name = fields.String(NameField);
        return string.IsNullOrEmpty(name)
            ? throw ApiException.BadRequest($"'{NameField}' must be provided.", NameField)
            : name;
    }
}
