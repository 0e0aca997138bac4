using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Inference.Cli.CommandLine;
using Inference.Hub;
using Tokenizer.Core;
using Tokenizer.Core.Loading;
using Tokenizer.Core.Streaming;

namespace Inference.Cli.Commands;

/// <summary>
/// `bench-tokenizer`: encode, decode and streaming-detokenize throughput on one thread over a deterministic
/// mixed-text corpus (the conformance strings plus generated English prose, code, Chinese and numbers).
/// Each measurement runs for about the given seconds after a warm-up, so tiered JIT has reached its final code.
/// </summary>
public static class BenchTokenizerCommand
{
    private const int Seed = 20240601;

    public static int Run(CommandArguments args)
    {
        var model = args.String("model");
        var seconds = args.Double("seconds", 0.05, 600) ?? 3.0;
        args.EnsureAllRead();

        var repositoryRoot = FindRepositoryRoot();
        string modelDirectory;
        try
        {
            // A folder as it is, or a Hugging Face repository id from the hub cache (downloaded into it if missing).
            modelDirectory = model is null ? DefaultModel(repositoryRoot) : ModelLocator.ResolveAsync(model, HubOptions.FromEnvironment(),
                new TextDownloadProgress(Console.Error), CancellationToken.None).GetAwaiter().GetResult().Directory;
        }
        catch (HubException e)
        {
            Console.Error.WriteLine($"error: --model: {e.Message}");
            return 1;
        }
        if (!Directory.Exists(modelDirectory))
            throw new UsageException($"--model: directory '{modelDirectory}' does not exist");

        var tokenizer = Load(modelDirectory, new TokenizerOptions());

        var conformancePath = repositoryRoot is null ? null : Path.Combine(repositoryRoot, "fixtures", "tokenizer", "qwen3-conformance.json");
        var corpus = BuildCorpus(conformancePath);
        var documents = corpus.Select(d => d.Text).ToList();
        var encoded = documents.Select(d => tokenizer.Encode(d)).ToArray();
        long corpusTokens = encoded.Sum(e => (long)e.Length);
        long corpusChars = documents.Sum(d => (long)d.Length);

        Console.WriteLine($"tokenizer  {Path.GetFullPath(modelDirectory)}");
        Console.WriteLine($"corpus     {documents.Count} texts, {corpusChars:N0} chars, {corpusTokens:N0} tokens " +
            $"({(double)corpusChars / corpusTokens:F2} chars/token){(conformancePath is null ? ", without the conformance strings" : "")}");
        Console.WriteLine($"timing     one thread, about {seconds.ToString("0.##", CultureInfo.InvariantCulture)} s each after warm-up");
        Console.WriteLine();

        var warmUp = Math.Min(1.0, seconds);
        Console.WriteLine($"{"operation",-24} {"tokens/s",14} {"chars/s",14} {"passes",7} {"seconds",8}");
        PrintRow("encode", Measure(warmUp, seconds, () => EncodeAll(tokenizer, documents)), corpusChars);
        PrintRow("decode", Measure(warmUp, seconds, () => DecodeAll(tokenizer, encoded)), corpusChars);
        PrintRow("stream-detokenize", Measure(warmUp, seconds, () => StreamAll(tokenizer, encoded)), corpusChars);

        // Encode speed differs a lot by kind of text (a Chinese character is about one token, a digit always is).
        Console.WriteLine();
        Console.WriteLine($"{"encode by kind",-24} {"tokens/s",14}");
        foreach (var kind in corpus.Select(d => d.Kind).Distinct())
        {
            var texts = corpus.Where(d => d.Kind == kind).Select(d => d.Text).ToList();
            var result = Measure(warmUp / 4, seconds / 4, () => EncodeAll(tokenizer, texts));
            Console.WriteLine($"{kind,-24} {result.Tokens / result.Elapsed.TotalSeconds,14:N0}");
        }
        return 0;
    }

    private static QwenTokenizer Load(string modelDirectory, TokenizerOptions options)
    {
        try
        {
            return QwenTokenizer.Load(modelDirectory, options);
        }
        catch (TokenizerLoadException e)
        {
            throw new UsageException($"--model: {e.Message}");
        }
    }

    private static void PrintRow(string name, Measurement result, long charsPerPass)
    {
        var elapsed = result.Elapsed.TotalSeconds;
        Console.WriteLine($"{name,-24} {result.Tokens / elapsed,14:N0} {result.Passes * charsPerPass / elapsed,14:N0} {result.Passes,7} {elapsed,8:F2}");
    }

    private readonly record struct Measurement(long Tokens, long Passes, TimeSpan Elapsed);

    /// <summary>Runs whole passes over the corpus until the time is up; each pass returns the tokens it handled.</summary>
    private static Measurement Measure(double warmUpSeconds, double seconds, Func<long> pass)
    {
        RunFor(warmUpSeconds, pass);
        return RunFor(seconds, pass);
    }

    private static Measurement RunFor(double seconds, Func<long> pass)
    {
        long tokens = 0;
        long passes = 0;
        var clock = Stopwatch.StartNew();
        do
        {
            tokens += pass();
            passes++;
        }
        while (clock.Elapsed.TotalSeconds < seconds);
        return new Measurement(tokens, passes, clock.Elapsed);
    }

    private static long EncodeAll(QwenTokenizer tokenizer, List<string> documents)
    {
        long tokens = 0;
        foreach (var document in documents)
            tokens += tokenizer.Encode(document).Length;
        return tokens;
    }

    private static long DecodeAll(QwenTokenizer tokenizer, int[][] encoded)
    {
        long tokens = 0;
        long chars = 0;
        foreach (var ids in encoded)
        {
            chars += tokenizer.Decode(ids, skipSpecialTokens: false).Length;
            tokens += ids.Length;
        }
        // The sum keeps the decoded text observable, so no pass can be optimized away.
        return chars >= 0 ? tokens : 0;
    }

    /// <summary>One id per push, as a generating sequence delivers them, then a final push.</summary>
    private static long StreamAll(QwenTokenizer tokenizer, int[][] encoded)
    {
        long tokens = 0;
        long chars = 0;
        var one = new int[1];
        foreach (var ids in encoded)
        {
            IncrementalDetokenizer detokenizer = tokenizer.CreateDetokenizer(skipSpecialTokens: false, stop: [], includeStopStrInOutput: false);
            foreach (var id in ids)
            {
                one[0] = id;
                chars += detokenizer.Push(one, final: false).Text.Length;
            }
            chars += detokenizer.Push([], final: true).Text.Length;
            tokens += ids.Length;
        }
        return chars >= 0 ? tokens : 0;
    }

    /// <summary>The Qwen2.5 tokenizer fixture of this repository.</summary>
    private static string DefaultModel(string? repositoryRoot) => repositoryRoot is null
        ? throw new UsageException("--model is required: no Services.sln found above " + AppContext.BaseDirectory)
        : Path.Combine(repositoryRoot, "fixtures", "qwen2.5-tokenizer");

    private static string? FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Services.sln")))
                return directory.FullName;
        }
        return null;
    }

    // ---- corpus -------------------------------------------------------------------------------------------

    private static List<(string Kind, string Text)> BuildCorpus(string? conformancePath)
    {
        var documents = new List<(string Kind, string Text)>();
        if (conformancePath is not null && File.Exists(conformancePath))
            documents.AddRange(ReadConformanceTexts(conformancePath).Select(t => ("conformance", t)));
        var random = new Random(Seed);
        for (var i = 0; i < 24; i++)
        {
            documents.Add(("english", EnglishProse(random, 3000)));
            documents.Add(("code", Code(random, 3000)));
            documents.Add(("chinese", Chinese(random, 1200)));
            documents.Add(("numbers", Numbers(random, 2000)));
        }
        return documents;
    }

    private static IEnumerable<string> ReadConformanceTexts(string path)
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(path));
        var texts = new List<string>();
        foreach (var entry in document.RootElement.GetProperty("entries").EnumerateArray())
        {
            // Strings with lone surrogates are stored as UTF-16 code units: JSON text cannot hold them.
            texts.Add(entry.TryGetProperty("utf16", out var units)
                ? new string(units.EnumerateArray().Select(u => (char)u.GetInt32()).ToArray())
                : entry.GetProperty("text").GetString() ?? "");
        }
        return texts;
    }

    private static readonly string[] s_englishWords =
    [
        "the", "of", "and", "to", "in", "a", "is", "that", "for", "it", "as", "was", "with", "be", "by", "on", "not",
        "he", "this", "are", "or", "his", "from", "at", "which", "but", "have", "an", "had", "they", "you", "were",
        "their", "one", "all", "we", "can", "her", "has", "there", "been", "if", "more", "when", "will", "would",
        "who", "so", "no", "model", "tokenizer", "request", "scheduler", "memory", "throughput", "latency", "batch",
        "language", "inference", "between", "through", "government", "development", "international", "information",
        "understanding", "particularly", "nevertheless", "Wednesday", "London", "Python", "García", "naïve", "café",
        "don't", "it's", "we're", "they've", "I'm", "you'll", "she'd", "Qwen", "OpenAI", "GPU", "HTTP/2",
    ];

    private static string EnglishProse(Random random, int length)
    {
        var text = new StringBuilder(length + 64);
        while (text.Length < length)
        {
            var words = random.Next(6, 24);
            for (var w = 0; w < words; w++)
            {
                var word = s_englishWords[random.Next(s_englishWords.Length)];
                text.Append(w == 0 ? char.ToUpperInvariant(word[0]) + word[1..] : word);
                text.Append(w == words - 1 ? "" : random.Next(12) == 0 ? ", " : " ");
            }
            text.Append(random.Next(10) switch { 0 => "? ", 1 => "! ", 2 => ".\n\n", _ => ". " });
        }
        return text.ToString();
    }

    private static readonly string[] s_identifiers =
    [
        "request", "tokens", "blockTable", "kv_cache", "seq_len", "i", "j", "logits", "temperature", "self",
        "numHeads", "hidden_states", "positions", "result", "buffer", "offset", "count", "GetValue", "config",
    ];

    private static string Code(Random random, int length)
    {
        var text = new StringBuilder(length + 128);
        var depth = 0;
        while (text.Length < length)
        {
            string Id() => s_identifiers[random.Next(s_identifiers.Length)];
            text.Append(' ', depth * 4);
            switch (random.Next(7))
            {
                case 0:
                    text.Append("def ").Append(Id()).Append('(').Append(Id()).Append(", ").Append(Id()).Append("=None):\n");
                    depth = Math.Min(depth + 1, 4);
                    continue;
                case 1:
                    text.Append("for (int ").Append(Id()).Append(" = 0; i < ").Append(Id()).Append(".Length; i++) {\n");
                    depth = Math.Min(depth + 1, 4);
                    continue;
                case 2:
                    text.Append(Id()).Append('[').Append(random.Next(64)).Append("] += ").Append(Id()).Append(" * 0x")
                        .Append(random.Next(0x10000).ToString("x4", CultureInfo.InvariantCulture)).Append(";\n");
                    break;
                case 3:
                    text.Append("// TODO: handle the ").Append(Id()).Append(" == null case (see #").Append(random.Next(1000)).Append(")\n");
                    break;
                case 4:
                    text.Append("return {\"").Append(Id()).Append("\": ").Append(Id()).Append(".get('").Append(Id()).Append("', [])}\n");
                    depth = Math.Max(depth - 1, 0);
                    break;
                case 5:
                    text.Append("if ").Append(Id()).Append(" >= ").Append(random.Next(4096)).Append(" && !").Append(Id()).Append(".IsEmpty)\n");
                    break;
                default:
                    text.Append(depth > 0 ? "}\n" : "\n");
                    depth = Math.Max(depth - 1, 0);
                    break;
            }
        }
        return text.ToString();
    }

    /// <summary>Common characters: random words of them make runs of letters that rarely repeat, as real
    /// Chinese does (a run between punctuation is one pre-token, so it is merged afresh).</summary>
    private const string ChineseCharacters =
        "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经" +
        "十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形" +
        "相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展" +
        "五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战" +
        "先回则任取据处队南给色光门即保治北造百规热领七海口东导器压志世金增争济阶油思术极交受联什认六共权收证改清己美再采转更单风切打白" +
        "教速花带安场身车例真务具万每目至达走积示议声报斗完类八离华名确才科张信马节话米整空元况今集温传土许步群广石记需段研界拉林律叫且" +
        "究观越织装影算低持音众书布复容儿须际商非验连断深难近矿千周委素技备半办青省列习响约支般史感劳便团往酸历市克何除消构府称太准精值" +
        "号率族维划选标写存候毛亲快效斯院查江型眼王按格养易置派层片始却专状育厂京识适属圆包火住调满县局照参红细引听该铁价严龙飞模推理服务";

    private static string Chinese(Random random, int length)
    {
        var text = new StringBuilder(length + 16);
        while (text.Length < length)
        {
            var characters = random.Next(6, 30);
            for (var c = 0; c < characters; c++)
                text.Append(ChineseCharacters[random.Next(ChineseCharacters.Length)]);
            text.Append(random.Next(8) switch { 0 => "？", 1 => "！\n", 2 => "，", 3 => "、", _ => "。" });
        }
        return text.ToString();
    }

    private static string Numbers(Random random, int length)
    {
        var text = new StringBuilder(length + 64);
        while (text.Length < length)
        {
            switch (random.Next(5))
            {
                case 0:
                    text.Append(random.Next(1970, 2030)).Append('-').Append((random.Next(12) + 1).ToString("00", CultureInfo.InvariantCulture))
                        .Append('-').Append((random.Next(28) + 1).ToString("00", CultureInfo.InvariantCulture)).Append(' ');
                    break;
                case 1:
                    text.Append((random.NextDouble() * 1e6).ToString("N2", CultureInfo.InvariantCulture)).Append(' ');
                    break;
                case 2:
                    text.Append("| ").Append(random.Next(100_000)).Append(" | ").Append(random.NextDouble().ToString("F4", CultureInfo.InvariantCulture))
                        .Append(" | ").Append(random.Next(-500, 500)).Append(" |\n");
                    break;
                case 3:
                    text.Append(random.Next(1000)).Append(" + ").Append(random.Next(1000)).Append(" = ").Append(random.Next(2000)).Append(", ");
                    break;
                default:
                    text.Append("3.14159265358979 ").Append(random.NextInt64(1_000_000_000_000L)).Append('\n');
                    break;
            }
        }
        return text.ToString();
    }
}
