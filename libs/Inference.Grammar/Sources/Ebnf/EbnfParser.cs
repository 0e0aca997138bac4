using System.Globalization;
using System.Text;
using Inference.Grammar.Automata;
using Inference.Grammar.Sources.Regex;

namespace Inference.Grammar.Sources.Ebnf;

/// <summary>
/// A context-free grammar in the EBNF that vLLM's <c>guided_grammar</c> takes (xgrammar's, llama.cpp's GBNF): rules
/// <c>name ::= body</c>, the start rule named <c>root</c>; a body of alternatives (<c>|</c>) of sequences of string
/// literals (<c>"..."</c>, with \n \t \r \\ \" \xHH \uHHHH escapes), character classes (<c>[a-z]</c>, <c>[^"\\]</c>),
/// any character (<c>.</c>), rule names and parenthesised groups, each optionally followed by <c>*</c>, <c>+</c>,
/// <c>?</c>, <c>{m}</c>, <c>{m,}</c> or <c>{m,n}</c>; <c>#</c> starts a comment. Line breaks are spaces: a rule runs
/// until the next <c>name ::=</c>. Rules become the grammar engine's rules, references its calls, so recursion
/// (nested brackets, expressions) is exact; a left-recursive grammar is refused when the automata are built.
/// </summary>
internal sealed class EbnfParser
{
    private const string RootRule = "root";

    private readonly string _text;
    private readonly GrammarBuilder _builder;
    private readonly int _maxRepetition;
    private readonly Dictionary<string, int> _rules = new(StringComparer.Ordinal);
    private int _pos;

    public EbnfParser(string text, GrammarBuilder builder, int maxRepetition)
    {
        _text = text;
        _builder = builder;
        _maxRepetition = maxRepetition;
    }

    /// <summary>
    /// Adds every rule to the builder in one pass; returns the root rule. A name is declared where it is first met, as a
    /// definition or a reference, so rules can refer to ones defined below them.
    /// </summary>
    public int Parse()
    {
        var defined = new HashSet<string>(StringComparer.Ordinal);
        SkipSpace();
        while (_pos < _text.Length)
        {
            var name = Name() ?? throw Refuse("a rule name");
            SkipSpace();
            Expect("::=");
            if (!defined.Add(name))
            {
                throw new GrammarException($"rule '{name}' is defined twice");
            }

            _builder.Define(Rule(name), Alternatives());
            SkipSpace();
            if (_pos < _text.Length && !AtRuleStart())
            {
                throw Refuse("'|', an element or the next rule");
            }
        }

        if (!defined.Contains(RootRule))
        {
            throw new GrammarException("the grammar has no rule named 'root' (the start rule)");
        }

        if (_rules.Keys.FirstOrDefault(name => !defined.Contains(name)) is { } undefined)
        {
            throw new GrammarException($"rule '{undefined}' is used but not defined");
        }

        return _rules[RootRule];
    }

    /// <summary>The rule named so, declared the first time the name is met.</summary>
    private int Rule(string name) => _rules.TryGetValue(name, out var rule) ? rule : _rules[name] = _builder.Declare(name);

    private Expr Alternatives()
    {
        var alternatives = new List<Expr> { Sequence() };
        SkipSpace();
        while (Peek() == '|')
        {
            _pos++;
            alternatives.Add(Sequence());
            SkipSpace();
        }

        return Expr.Alt([.. alternatives]);
    }

    private Expr Sequence()
    {
        var items = new List<Expr>();
        while (true)
        {
            SkipSpace();
            if (_pos >= _text.Length || Peek() is '|' or ')' || AtRuleStart())
            {
                return Expr.Seq([.. items]);
            }

            items.Add(Repetition(Element()));
        }
    }

    private Expr Element()
    {
        var c = Peek();
        switch (c)
        {
            case '"':
                return StringLiteral();
            case '[':
                return CharacterClass();
            case '.':
                _pos++;
                return CharEncoding.Raw.Encode(CodepointSet.Of((0, CodepointSet.MaxCodepoint)).Except(0xD800, 0xDFFF));
            case '(':
                _pos++;
                var group = Alternatives();
                SkipSpace();
                Expect(")");
                return group;
            default:
                var name = Name() ?? throw Refuse("an element (a \"string\", a [class], a rule name or a group)");
                return Expr.Call(Rule(name));
        }
    }

    private Expr Repetition(Expr element)
    {
        while (_pos < _text.Length)
        {
            switch (Peek())
            {
                case '*':
                    _pos++;
                    element = Expr.Star(element);
                    continue;
                case '+':
                    _pos++;
                    element = Expr.Repeat(element, 1, RepeatExpr.Unbounded);
                    continue;
                case '?':
                    _pos++;
                    element = Expr.Optional(element);
                    continue;
                case '{':
                    _pos++;
                    var min = Number();
                    var max = min;
                    if (Peek() == ',')
                    {
                        _pos++;
                        max = Peek() == '}' ? RepeatExpr.Unbounded : Number();
                    }

                    Expect("}");
                    if ((max != RepeatExpr.Unbounded && max < min) || Math.Max(min, max) > _maxRepetition)
                    {
                        throw new GrammarException($"the repetition {{{min},{(max == RepeatExpr.Unbounded ? "" : max)}}} is out of range (at most {_maxRepetition})");
                    }

                    element = Expr.Repeat(element, min, max);
                    continue;
                default:
                    return element;
            }
        }

        return element;
    }

    private Expr StringLiteral()
    {
        _pos++; // the opening quote
        var bytes = new List<byte>();
        while (true)
        {
            if (_pos >= _text.Length)
            {
                throw Refuse("the closing '\"' of a string");
            }

            if (Peek() == '"')
            {
                _pos++;
                return Expr.Literal([.. bytes]);
            }

            bytes.AddRange(Encoding.UTF8.GetBytes(char.ConvertFromUtf32(Character())));
        }
    }

    private Expr CharacterClass()
    {
        _pos++; // '['
        var negated = Peek() == '^';
        if (negated)
        {
            _pos++;
        }

        var set = CodepointSet.Of();
        while (true)
        {
            if (_pos >= _text.Length)
            {
                throw Refuse("the closing ']' of a character class");
            }

            if (Peek() == ']')
            {
                _pos++;
                break;
            }

            var lo = Character();
            var hi = lo;
            if (Peek() == '-' && _pos + 1 < _text.Length && _text[_pos + 1] != ']')
            {
                _pos++;
                hi = Character();
                if (hi < lo)
                {
                    throw new GrammarException($"the character range at offset {_pos} runs backwards");
                }
            }

            set = set.Add(lo, hi);
        }

        set = negated ? set.Complement() : set.Except(0xD800, 0xDFFF);
        if (set.IsEmpty)
        {
            throw new GrammarException("a character class matches no character");
        }

        return CharEncoding.Raw.Encode(set);
    }

    /// <summary>One character of a string or class: itself, or an escape.</summary>
    private int Character()
    {
        if (Peek() != '\\')
        {
            var rune = Rune.GetRuneAt(_text, _pos);
            _pos += rune.Utf16SequenceLength;
            return rune.Value;
        }

        _pos++;
        if (_pos >= _text.Length)
        {
            throw Refuse("an escaped character");
        }

        var c = _text[_pos++];
        return c switch
        {
            'n' => '\n',
            't' => '\t',
            'r' => '\r',
            '0' => 0,
            'x' => Hex(2),
            'u' => Hex(4),
            'U' => Hex(8),
            _ => c,
        };
    }

    private int Hex(int digits)
    {
        if (_pos + digits > _text.Length
            || !int.TryParse(_text.AsSpan(_pos, digits), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var value)
            || value > CodepointSet.MaxCodepoint)
        {
            throw Refuse($"{digits} hex digits");
        }

        _pos += digits;
        return value;
    }

    private int Number()
    {
        SkipSpace();
        var start = _pos;
        while (_pos < _text.Length && char.IsAsciiDigit(_text[_pos]))
        {
            _pos++;
        }

        if (start == _pos || !int.TryParse(_text.AsSpan(start, _pos - start), CultureInfo.InvariantCulture, out var value))
        {
            throw Refuse("a number");
        }

        SkipSpace();
        return value;
    }

    private string? Name()
    {
        var start = _pos;
        while (_pos < _text.Length && (char.IsAsciiLetterOrDigit(_text[_pos]) || _text[_pos] is '_' or '-' or '.'
            && _pos > start && _pos + 1 < _text.Length && (char.IsAsciiLetterOrDigit(_text[_pos + 1]) || _text[_pos + 1] == '_')))
        {
            _pos++;
        }

        return _pos > start ? _text[start.._pos] : null;
    }

    /// <summary>Whether a rule definition (<c>name ::=</c>) starts here.</summary>
    private bool AtRuleStart()
    {
        var saved = _pos;
        var isRule = Name() is not null && SkipSpaceThen("::=");
        _pos = saved;
        return isRule;
    }

    private bool SkipSpaceThen(string token)
    {
        SkipSpace();
        return string.CompareOrdinal(_text, _pos, token, 0, token.Length) == 0;
    }

    private void SkipSpace()
    {
        while (_pos < _text.Length)
        {
            if (char.IsWhiteSpace(_text[_pos]))
            {
                _pos++;
            }
            else if (_text[_pos] == '#')
            {
                while (_pos < _text.Length && _text[_pos] != '\n')
                {
                    _pos++;
                }
            }
            else
            {
                return;
            }
        }
    }

    private void Expect(string token)
    {
        if (string.CompareOrdinal(_text, _pos, token, 0, token.Length) != 0)
        {
            throw Refuse($"'{token}'");
        }

        _pos += token.Length;
    }

    private char Peek() => _pos < _text.Length ? _text[_pos] : '\0';

    private GrammarException Refuse(string expected)
    {
        var line = _text.AsSpan(0, Math.Min(_pos, _text.Length)).Count('\n') + 1;
        var found = _pos < _text.Length ? $"'{_text[_pos]}'" : "the end";
        return new GrammarException($"expected {expected} at line {line} (offset {_pos}), found {found}");
    }
}
