using Inference.Gguf;
using Inference.Cli.Tests.Support;

namespace Inference.Cli.Tests.Gguf;

/// <summary>The metadata of the tiny checkpoint's GGUF, read back with the reader: what llama.cpp needs to load it.</summary>
[Collection(TinyCheckpointCollection.Name)]
public sealed class ConvertedMetadataTests(TinyCheckpoint tiny)
{
    private GgufMetadata Metadata => GgufFile.Open(tiny.F16Gguf).Metadata;

    [Fact]
    public void ModelKeys_CarryConfigJsonUnderTheQwen2Prefix()
    {
        var metadata = Metadata;
        Assert.Equal("qwen2", metadata.Get<string>("general.architecture"));
        Assert.Equal(32768u, metadata.Get<uint>("qwen2.context_length"));
        Assert.Equal(64u, metadata.Get<uint>("qwen2.embedding_length"));
        Assert.Equal(128u, metadata.Get<uint>("qwen2.feed_forward_length"));
        Assert.Equal(2u, metadata.Get<uint>("qwen2.block_count"));
        Assert.Equal(4u, metadata.Get<uint>("qwen2.attention.head_count"));
        Assert.Equal(2u, metadata.Get<uint>("qwen2.attention.head_count_kv"));
        Assert.Equal(1e6f, metadata.Get<float>("qwen2.rope.freq_base"));
        Assert.Equal(1e-6f, metadata.Get<float>("qwen2.attention.layer_norm_rms_epsilon"));
    }

    [Fact]
    public void FileType_IsMostlyF16()
    {
        Assert.Equal((uint)GgufFileType.MostlyF16, Metadata.Get<uint>("general.file_type"));
    }

    [Fact]
    public void HeadSizeKeys_AreLeftOutWhenConfigJsonDerivesTheHeadSize()
    {
        Assert.False(Metadata.Contains("qwen2.attention.key_length"));
    }

    [Fact]
    public void TokenizerKeys_NameGpt2BpeWithQwen2PreTokenizer()
    {
        Assert.Equal("gpt2", Metadata.Get<string>("tokenizer.ggml.model"));
        Assert.Equal("qwen2", Metadata.Get<string>("tokenizer.ggml.pre"));
    }

    [Fact]
    public void Tokens_HaveOneEntryPerVocabularyId()
    {
        var tokens = Metadata.GetArray<string>("tokenizer.ggml.tokens");
        Assert.Equal(tiny.Spec.VocabSize, tokens.Length);
        Assert.Equal(["!", "\"", "Hello"], [tokens[0], tokens[1], tokens[9707]]);
        Assert.Equal("<|im_end|>", tokens[151645]);
    }

    [Fact]
    public void TokenTypes_MarkSpecialAddedUserDefinedAndPaddingIds()
    {
        var types = Metadata.GetArray<int>("tokenizer.ggml.token_type");
        var tokens = Metadata.GetArray<string>("tokenizer.ggml.tokens");
        Assert.Equal((int)GgufTokenType.Normal, types[9707]);
        Assert.Equal((int)GgufTokenType.Control, types[151643]);     // <|endoftext|>, special
        Assert.Equal((int)GgufTokenType.UserDefined, types[151657]); // <tool_call>, not special
        Assert.Equal((int)GgufTokenType.Control, types[151659]);     // <|fim_prefix|>, not special but looks it
        Assert.Equal((int)GgufTokenType.Unused, types[151900]);
        Assert.Equal("[PAD151900]", tokens[151900]);
    }

    [Fact]
    public void Merges_AreSpaceJoinedPairsInRankOrder()
    {
        var merges = Metadata.GetArray<string>("tokenizer.ggml.merges");
        Assert.Equal(151387, merges.Length);
        Assert.Equal(["Ġ Ġ", "ĠĠ ĠĠ", "i n"], merges.Take(3).ToArray());
    }

    [Fact]
    public void SpecialIds_ComeFromTokenizerConfigThenConfigJson()
    {
        var metadata = Metadata;
        Assert.Equal(151643u, metadata.Get<uint>("tokenizer.ggml.bos_token_id")); // tokenizer_config has none: config.json's
        Assert.Equal(151645u, metadata.Get<uint>("tokenizer.ggml.eos_token_id")); // <|im_end|>
        Assert.Equal(151643u, metadata.Get<uint>("tokenizer.ggml.padding_token_id"));
        Assert.False(metadata.Contains("tokenizer.ggml.unknown_token_id"));
        Assert.False(metadata.Get<bool>("tokenizer.ggml.add_bos_token"));
    }

    [Fact]
    public void ChatTemplate_IsTokenizerConfigs()
    {
        using var config = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(tiny.Directory, "tokenizer_config.json")));
        Assert.Equal(config.RootElement.GetProperty("chat_template").GetString(), Metadata.Get<string>("tokenizer.chat_template"));
    }
}
