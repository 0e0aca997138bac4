using System.Globalization;
using System.Text;
using Inference.Grammar.Automata;

namespace Inference.Grammar.Sources.Regex;

/// <summary>
/// A recursive-descent parser for the practical regex subset (literals, classes, escapes <c>\d \w \s</c> and their
/// negations, <c>.</c>, quantifiers <c>* + ? {m} {m,} {m,n}</c> (lazy forms match the same language), groups,
/// alternation; the whole output must match, so <c>^</c>/<c>$</c> are accepted only at the ends). Lookarounds,
/// backreferences, word boundaries, inline flags and Unicode properties are refused by name.
/// </summary>
internal sealed class RegexParser
{
    private readonly int[] _chars;
    private readonly int[] _offsets;
    private readonly string _pattern;
    private readonly CharEncoding _encoding;
    private readonly int _maxRepetition;
    private int _pos;

    public RegexParser(string pattern, CharEncoding encoding, int maxRepetition)
    {
        _pattern = pattern;
        _encoding = encoding;
        _maxRepetition = maxRepetition;
        var chars = new List<int>();
        var offsets = new List<int>();
        int i = 0;
        while (i < pattern.Length)
        {
            offsets.Add(i);
            if (Rune.TryGetRuneAt(pattern, i, out var rune))
            {
                chars.Add(rune.Value);
                i += rune.Utf16SequenceLength;
            }
            else
            {
                throw Refuse("lone surrogate");
            }
        }
        offsets.Add(pattern.Length);
        _chars = chars.ToArray();
        _offsets = offsets.ToArray();
    }

    public Expr Parse()
    {
        if (Peek() == '^')
        {
            _pos++;
        }
        var expr = ParseAlternation();
        if (_pos < _chars.Length)
        {
            throw Refuse(Peek() == ')' ? "unbalanced ')'" : "syntax");
        }
        return expr;
    }

    private Expr ParseAlternation()
    {
        var alternatives = new List<Expr> { ParseSequence() };
        while (Peek() == '|')
        {
            _pos++;
            alternatives.Add(ParseSequence());
        }
        return Expr.Alt(alternatives.ToArray());
    }

    private Expr ParseSequence()
    {
        var items = new List<Expr>();
        while (_pos < _chars.Length && Peek() != '|' && Peek() != ')')
        {
            if (Peek() == '$')
            {
                _pos++;
                if (_pos < _chars.Length && Peek() != ')' && Peek() != '|')
                {
                    throw Refuse("'$' before the end", _pos - 1);
                }
                continue;
            }
            items.Add(ParseQuantifiers(ParseAtom()));
        }
        return Expr.Seq(items.ToArray());
    }

    private Expr ParseQuantifiers(Expr atom)
    {
        while (_pos < _chars.Length)
        {
            int start = _pos;
            int min, max;
            switch (Peek())
            {
                case '*': min = 0; max = RepeatExpr.Unbounded; _pos++; break;
                case '+': min = 1; max = RepeatExpr.Unbounded; _pos++; break;
                case '?': min = 0; max = 1; _pos++; break;
                case '{' when TryParseBraces(out min, out max): break;
                default: return atom;
            }
            if (Peek() == '?')
            {
                _pos++; // lazy: same language
            }
            else if (Peek() == '+')
            {
                throw Refuse("possessive quantifier");
            }
            if (max != RepeatExpr.Unbounded && max < min)
            {
                throw Refuse("quantifier {m,n} with n < m", start);
            }
            if (Math.Max(min, max) > _maxRepetition)
            {
                throw Refuse($"repetition count above {_maxRepetition}", start);
            }
            atom = Expr.Repeat(atom, min, max);
        }
        return atom;
    }

    private bool TryParseBraces(out int min, out int max)
    {
        min = max = 0;
        int save = _pos;
        _pos++;
        int? a = ReadNumber();
        if (a is null)
        {
            _pos = save;
            return false;
        }
        min = max = a.Value;
        if (Peek() == ',')
        {
            _pos++;
            max = ReadNumber() ?? RepeatExpr.Unbounded;
        }
        if (Peek() != '}')
        {
            _pos = save;
            return false;
        }
        _pos++;
        return true;
    }

    private int? ReadNumber()
    {
        int start = _pos;
        long value = 0;
        while (_pos < _chars.Length && Peek() is >= '0' and <= '9')
        {
            value = Math.Min(value * 10 + (Peek() - '0'), int.MaxValue);
            _pos++;
        }
        return _pos == start ? null : (int)value;
    }

    private Expr ParseAtom()
    {
        int start = _pos;
        int c = _chars[_pos++];
        switch (c)
        {
            case '(':
                return ParseGroup(start);
            case '[':
                return _encoding.Encode(ParseClass());
            case '.':
                return _encoding.Encode(CharClasses.Dot());
            case '\\':
                return ParseEscape(inClass: false) is { } set ? _encoding.Encode(set) : Expr.Empty;
            case '*' or '+' or '?':
                throw Refuse("nothing to repeat", start);
            case '^':
                throw Refuse("'^' after the start", start);
            default:
                return _encoding.Encode(CodepointSet.Of((c, c)));
        }
    }

    private Expr ParseGroup(int start)
    {
        if (Peek() == '?')
        {
            _pos++;
            int kind = Next();
            switch (kind)
            {
                case ':':
                    break;
                case '=' or '!':
                    throw Refuse("lookahead", start);
                case '<' when Peek() is '=' or '!':
                    throw Refuse("lookbehind", start);
                case '<':
                    SkipGroupName('>');
                    break;
                case 'P' when Peek() == '<':
                    _pos++;
                    SkipGroupName('>');
                    break;
                case 'P' when Peek() == '=':
                    throw Refuse("backreference", start);
                case '#':
                    throw Refuse("comment group", start);
                case '>':
                    throw Refuse("atomic group", start);
                default:
                    throw Refuse("inline flags", start);
            }
        }
        var inner = ParseAlternation();
        if (Peek() != ')')
        {
            throw Refuse("unbalanced '('", start);
        }
        _pos++;
        return inner;
    }

    private void SkipGroupName(char end)
    {
        while (_pos < _chars.Length && Peek() != end)
        {
            _pos++;
        }
        if (_pos >= _chars.Length)
        {
            throw Refuse("unterminated group name");
        }
        _pos++;
    }

    private CodepointSet ParseClass()
    {
        int start = _pos - 1;
        bool negate = Peek() == '^';
        if (negate)
        {
            _pos++;
        }
        var set = new CodepointSet();
        bool first = true;
        while (true)
        {
            if (_pos >= _chars.Length)
            {
                throw Refuse("unterminated character class", start);
            }
            int c = Peek();
            if (c == ']' && !first)
            {
                _pos++;
                break;
            }
            first = false;
            if (c == '[' && _pos + 1 < _chars.Length && _chars[_pos + 1] == ':')
            {
                throw Refuse("POSIX character class");
            }
            var item = ParseClassItem();
            if (item.Single is int lo && Peek() == '-' && _pos + 1 < _chars.Length && _chars[_pos + 1] != ']')
            {
                _pos++;
                var upper = ParseClassItem();
                if (upper.Single is not int hi || hi < lo)
                {
                    throw Refuse("bad range in character class", start);
                }
                set.Add(lo, hi);
            }
            else
            {
                set.Add(item.Set);
            }
        }
        return negate ? set.Complement() : set.Except(0xD800, 0xDFFF);
    }

    private (CodepointSet Set, int? Single) ParseClassItem()
    {
        int c = Next();
        if (c != '\\')
        {
            return (CodepointSet.Of((c, c)), c);
        }
        int save = _pos;
        var set = ParseEscape(inClass: true) ?? throw Refuse("escape in character class", save);
        bool single = set.Ranges.Count == 1 && set.Ranges[0].Lo == set.Ranges[0].Hi && !IsShorthand(_chars[save]);
        return (set, single ? set.Ranges[0].Lo : null);
    }

    private static bool IsShorthand(int c) => c is 'd' or 'D' or 'w' or 'W' or 's' or 'S';

    /// <summary>Parses after a backslash; null for an escape matching the empty string (none are accepted).</summary>
    private CodepointSet? ParseEscape(bool inClass)
    {
        int start = _pos - 1;
        if (_pos >= _chars.Length)
        {
            throw Refuse("trailing backslash", start);
        }
        int c = Next();
        return c switch
        {
            'd' => CharClasses.Digit(),
            'D' => CharClasses.Digit().Complement(),
            'w' => CharClasses.Word(),
            'W' => CharClasses.Word().Complement(),
            's' => CharClasses.Space(),
            'S' => CharClasses.Space().Complement(),
            'n' => Single('\n'),
            't' => Single('\t'),
            'r' => Single('\r'),
            'f' => Single('\f'),
            'v' => Single('\v'),
            '0' => Single(0),
            'b' when inClass => Single('\b'),
            'b' or 'B' => throw Refuse("word boundary", start),
            'A' or 'Z' or 'z' or 'G' => throw Refuse("anchor \\" + (char)c, start),
            >= '1' and <= '9' => throw Refuse("backreference", start),
            'k' => throw Refuse("backreference", start),
            'p' or 'P' => throw Refuse("unicode property", start),
            'x' => Single(ReadHex(2, start)),
            'u' when Peek() == '{' => Single(ReadBracedHex(start)),
            'u' => Single(ReadHex(4, start)),
            _ when c < 128 && char.IsLetterOrDigit((char)c) => throw Refuse($"escape \\{(char)c}", start),
            _ => Single(c),
        };
    }

    private static CodepointSet Single(int c) => CodepointSet.Of((c, c));

    private int ReadHex(int digits, int start)
    {
        if (_pos + digits > _chars.Length)
        {
            throw Refuse("short hex escape", start);
        }
        var text = string.Concat(_chars.AsSpan(_pos, digits).ToArray().Select(ch => (char)ch));
        if (!int.TryParse(text, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out int value))
        {
            throw Refuse("bad hex escape", start);
        }
        _pos += digits;
        return CheckScalar(value, start);
    }

    private int ReadBracedHex(int start)
    {
        _pos++;
        int value = 0, count = 0;
        while (_pos < _chars.Length && Peek() != '}' && count < 7)
        {
            int d = Peek();
            int v = d is >= '0' and <= '9' ? d - '0' : d is >= 'a' and <= 'f' ? d - 'a' + 10 : d is >= 'A' and <= 'F' ? d - 'A' + 10 : -1;
            if (v < 0)
            {
                throw Refuse("bad hex escape", start);
            }
            value = value * 16 + v;
            count++;
            _pos++;
        }
        if (Peek() != '}' || count == 0)
        {
            throw Refuse("bad hex escape", start);
        }
        _pos++;
        return CheckScalar(value, start);
    }

    private int CheckScalar(int value, int start) =>
        value > CodepointSet.MaxCodepoint || value is >= 0xD800 and <= 0xDFFF ? throw Refuse("surrogate or out-of-range escape", start) : value;

    private int Peek() => _pos < _chars.Length ? _chars[_pos] : -1;

    private int Next() => _pos < _chars.Length ? _chars[_pos++] : throw Refuse("unexpected end");

    private UnsupportedRegexException Refuse(string feature, int? at = null) =>
        new(feature, _offsets is null ? 0 : _offsets[Math.Min(at ?? _pos, _offsets.Length - 1)], _pattern);
}
