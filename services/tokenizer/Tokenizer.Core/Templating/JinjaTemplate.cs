using System.Numerics;

namespace Tokenizer.Core.Templating;

/// <summary>
/// A parsed Jinja2 template rendered as transformers configures Jinja2 for chat templates (trim_blocks,
/// lstrip_blocks, loop controls, raise_exception, namespace, json.dumps-style tojson). Parsed once,
/// rendered many times; thread-safe.
/// </summary>
public sealed class JinjaTemplate
{
    private readonly IReadOnlyList<Statement> _body;

    private JinjaTemplate(IReadOnlyList<Statement> body)
    {
        _body = body;
        ContentFormat = ChatContentFormatDetector.Detect(body);
    }

    /// <summary>How the template reads a chat message's content (a string, or a list of typed parts).</summary>
    public ChatContentFormat ContentFormat { get; }

    /// <exception cref="TemplateException">The template has a syntax error.</exception>
    public static JinjaTemplate Parse(string source) => new(JinjaParser.Parse(source));

    /// <param name="variables">Top-level variables as JSON-like values: null, bool, long/int/BigInteger,
    /// double, string, lists and ordered string-keyed dictionaries.</param>
    /// <exception cref="TemplateException">Rendering failed (raise_exception, misuse of an undefined value, ...).</exception>
    public string Render(IEnumerable<KeyValuePair<string, object?>> variables)
    {
        var globals = new JinjaScope(parent: null);
        globals.Set("raise_exception", new JinjaFunction("raise_exception", (args, _) =>
            throw new TemplateException(args.Count > 0 ? PyOps.Str(args[0]) : "raise_exception called")));
        globals.Set("namespace", new JinjaFunction("namespace", (args, kwargs) =>
        {
            var ns = new Namespace();
            if (args.Count > 0 && args[0] is OrderedDictionary<string, object?> initial)
            {
                foreach ((string key, object? value) in initial) { ns.Attributes[key] = value; }
            }
            foreach ((string key, object? value) in kwargs) { ns.Attributes[key] = value; }
            return ns;
        }));
        globals.Set("range", new JinjaFunction("range", (args, _) => Range(args)));
        globals.Set("dict", new JinjaFunction("dict", (_, kwargs) =>
        {
            var dict = new OrderedDictionary<string, object?>();
            foreach ((string key, object? value) in kwargs) { dict[key] = value; }
            return dict;
        }));
        globals.Set("strftime_now", new JinjaFunction("strftime_now", (args, _) => StrftimeNow(PyOps.Str(args[0]))));
        foreach ((string name, object? value) in variables)
        {
            globals.Set(name, Normalize(value));
        }
        return JinjaEvaluator.Render(_body, globals);
    }

    private static List<object?> Range(IReadOnlyList<object?> args)
    {
        BigInteger start = 0, stop, step = 1;
        if (args.Count == 1) { stop = PyOps.ToInteger(args[0]); }
        else { start = PyOps.ToInteger(args[0]); stop = PyOps.ToInteger(args[1]); }
        if (args.Count > 2) { step = PyOps.ToInteger(args[2]); }
        if (step.IsZero) { throw new TemplateException("range() arg 3 must not be zero"); }
        var result = new List<object?>();
        for (BigInteger i = start; step > 0 ? i < stop : i > stop; i += step)
        {
            if (result.Count > 1_000_000) { throw new TemplateException("range() is too long"); }
            result.Add(i);
        }
        return result;
    }

    /// <summary>transformers' strftime_now: the local time formatted with a C strftime format.</summary>
    private static string StrftimeNow(string format)
    {
        DateTime now = DateTime.Now;
        return format
            .Replace("%Y", now.ToString("yyyy")).Replace("%m", now.ToString("MM")).Replace("%d", now.ToString("dd"))
            .Replace("%B", now.ToString("MMMM", System.Globalization.CultureInfo.InvariantCulture))
            .Replace("%b", now.ToString("MMM", System.Globalization.CultureInfo.InvariantCulture))
            .Replace("%H", now.ToString("HH")).Replace("%M", now.ToString("mm")).Replace("%S", now.ToString("ss"));
    }

    private static object? Normalize(object? value) => value switch
    {
        int i => new BigInteger(i),
        long l => new BigInteger(l),
        float f => (double)f,
        _ => value,
    };
}
