using System.Diagnostics;
using System.Globalization;
using Inference.Grammar;
using Inference.Grammar.Vocabulary;

// Mask benchmark: for each spec, compile once (cold), then generate with a seeded random sampler over the allowed
// tokens (the worst case for the runtime check: no model bias towards cheap tokens) and time FillNextTokenMask.
string path = args.Length > 0 ? args[0] : Path.Combine(AppContext.BaseDirectory, "qwen2.5-tokenizer", "tokenizer.json");
var clock = Stopwatch.StartNew();
var vocabulary = TokenVocabulary.FromTokenizerJson(path, 152064, [151645, 151643]);
Console.WriteLine($"vocabulary: {vocabulary.Size} ids, {vocabulary.NormalTokenCount} byte tokens, loaded in {clock.ElapsedMilliseconds} ms");
var compiler = new GrammarCompiler(vocabulary);

(string Name, GrammarSpec Spec)[] specs =
[
    ("json_object", GrammarSpec.JsonObject()),
    ("person schema", GrammarSpec.JsonSchema("""
        {"type":"object","properties":{"name":{"type":"string"},"age":{"type":"integer","minimum":0,"maximum":150},"email":{"type":"string","format":"email"},"tags":{"type":"array","items":{"type":"string"},"maxItems":5},"active":{"type":"boolean"}},"required":["name","age","tags"]}
        """)),
    ("nested + $ref + enum", GrammarSpec.JsonSchema("""
        {"$defs":{"item":{"type":"object","properties":{"sku":{"type":"string","pattern":"^[A-Z]{3}-[0-9]{4}$"},"qty":{"type":"integer","minimum":1},"price":{"type":"number"},"kind":{"enum":["book","tool","food"]}},"required":["sku","qty","price","kind"]}},"type":"object","properties":{"order":{"type":"integer"},"items":{"type":"array","items":{"$ref":"#/$defs/item"},"minItems":1},"note":{"anyOf":[{"type":"string","maxLength":40},{"type":"null"}]}},"required":["order","items","note"]}
        """)),
    ("regex phone", GrammarSpec.Regex(@"\(\d{3}\) \d{3}-\d{4}")),
];

var mask = new ulong[vocabulary.MaskWords];
foreach (var (name, spec) in specs)
{
    var grammar = compiler.CompileUncached(spec);
    var times = new List<double>();
    int tokens = 0;
    for (int seed = 0; seed < 20; seed++)
    {
        var matcher = new GrammarMatcher(grammar);
        var random = new Random(seed);
        var allowed = new List<int>();
        for (int step = 0; step < 400 && !matcher.IsCompleted; step++)
        {
            long start = Stopwatch.GetTimestamp();
            matcher.FillNextTokenMask(mask);
            times.Add(Stopwatch.GetElapsedTime(start).TotalMicroseconds);
            allowed.Clear();
            for (int w = 0; w < mask.Length; w++)
            {
                for (ulong bits = mask[w]; bits != 0; bits &= bits - 1)
                {
                    allowed.Add(w * 64 + System.Numerics.BitOperations.TrailingZeroCount(bits));
                }
            }
            // Mostly random, but end when allowed after 60 tokens and close strings after 30, so walks finish.
            int token = matcher.CanTerminate && step > 60 ? vocabulary.EosTokenIds[0]
                : step > 30 && allowed.FirstOrDefault(id => vocabulary.GetBytes(id).Length == 1 && "\"}]".Contains((char)vocabulary.GetBytes(id)[0]), -1) is var c and >= 0 ? c
                : allowed[random.Next(allowed.Count)];
            matcher.AcceptToken(token);
            tokens++;
        }
    }
    times.Sort();
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{name,-22} compile {grammar.AutomatonTime.TotalMilliseconds,7:F1} ms automaton + {grammar.MaskCacheTime.TotalMilliseconds,7:F1} ms mask cache " +
        $"({grammar.RuleCount} rules, {grammar.PositionCount} positions, {grammar.UncertainTokenCount} context-dependent entries) | " +
        $"mask over {tokens} tokens: mean {times.Average(),6:F1} us, p50 {times[times.Count / 2],6:F1} us, p99 {times[(int)(times.Count * 0.99)],7:F1} us, max {times[^1],7:F1} us"));
}
