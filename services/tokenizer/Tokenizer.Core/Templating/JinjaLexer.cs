using System.Text;

namespace Tokenizer.Core.Templating;

/// <summary>
/// Splits a template into data and tag tokens with the whitespace rules transformers configures:
/// trim_blocks (drop the first newline after a block or comment tag), lstrip_blocks (drop spaces and tabs
/// between a line start and a block or comment tag), '-' to strip all whitespace on that side and '+' to
/// opt out of lstrip/trim. Newlines are normalized to \n and one trailing newline is dropped, as Jinja2 does.
/// </summary>
internal sealed class JinjaLexer
{
    private static readonly string[] s_operators =
        ["//", "**", "==", "!=", "<=", ">=", "+", "-", "*", "/", "%", "~", "<", ">", "(", ")", "[", "]", "{", "}", ",", ".", ":", "|", "="];

    private readonly string _source;
    private readonly List<JinjaToken> _tokens = [];
    private int _position;
    private int _line = 1;

    private JinjaLexer(string source)
    {
        string normalized = source.Replace("\r\n", "\n").Replace('\r', '\n');
        _source = normalized.EndsWith('\n') ? normalized[..^1] : normalized;
    }

    public static List<JinjaToken> Tokenize(string source)
    {
        var lexer = new JinjaLexer(source);
        lexer.Run();
        return lexer._tokens;
    }

    private void Run()
    {
        bool lineStarting = true;
        while (_position < _source.Length)
        {
            int tagStart = FindTagStart(_position);
            string text = _source[_position..(tagStart < 0 ? _source.Length : tagStart)];
            if (tagStart < 0)
            {
                AddData(text);
                break;
            }
            char kind = _source[tagStart + 1];
            char modifier = tagStart + 2 < _source.Length ? _source[tagStart + 2] : '\0';
            if (modifier == '-')
            {
                text = text.TrimEnd();
            }
            else if (modifier != '+' && kind != '{')
            {
                int lineStart = text.LastIndexOf('\n') + 1;
                if ((lineStart > 0 || lineStarting) && text.AsSpan(lineStart).IndexOfAnyExcept(' ', '\t') < 0)
                {
                    text = text[..lineStart];
                }
            }
            AddData(text);
            _line += CountNewlines(_position, tagStart);
            _position = tagStart + 2 + (modifier is '-' or '+' ? 1 : 0);

            if (kind == '#')
            {
                int close = _source.IndexOf("#}", _position, StringComparison.Ordinal);
                if (close < 0)
                {
                    throw new TemplateException($"line {_line}: unterminated comment");
                }
                bool stripAfter = _source[close - 1] == '-';
                bool plus = _source[close - 1] == '+';
                _line += CountNewlines(_position, close);
                _position = close + 2;
                lineStarting = EndTag(stripAfter, trim: !plus);
                continue;
            }
            bool isBlock = kind == '%';
            _tokens.Add(new JinjaToken(isBlock ? JinjaTokenKind.BlockBegin : JinjaTokenKind.VariableBegin, isBlock ? "{%" : "{{", _line));
            int tagTokenStart = _tokens.Count;
            (bool stripAfterTag, bool plusAfterTag) = LexTagContents(isBlock ? '%' : '}');
            _tokens.Add(new JinjaToken(isBlock ? JinjaTokenKind.BlockEnd : JinjaTokenKind.VariableEnd, isBlock ? "%}" : "}}", _line));
            lineStarting = EndTag(stripAfterTag, trim: isBlock && !plusAfterTag);
            if (isBlock && _tokens.Count == tagTokenStart + 2 && _tokens[tagTokenStart].IsName("raw"))
            {
                lineStarting = LexRaw();
            }
        }
        _tokens.Add(new JinjaToken(JinjaTokenKind.End, "", _line));
    }

    /// <summary>Applies '-' (strip all following whitespace) or trim_blocks (one newline); returns whether
    /// the consumed text ended a line, which lets lstrip_blocks strip the next tag's indentation.</summary>
    private bool EndTag(bool stripAfter, bool trim)
    {
        int before = _position;
        if (stripAfter)
        {
            while (_position < _source.Length && char.IsWhiteSpace(_source[_position]))
            {
                _position++;
            }
        }
        else if (trim && _position < _source.Length && _source[_position] == '\n')
        {
            _position++;
        }
        _line += CountNewlines(before, _position);
        return _position > before && _source[_position - 1] == '\n';
    }

    private bool LexRaw()
    {
        int search = _position;
        while (true)
        {
            int open = _source.IndexOf("{%", search, StringComparison.Ordinal);
            if (open < 0)
            {
                throw new TemplateException($"line {_line}: missing endraw");
            }
            int inner = open + 2 + (_source.Length > open + 2 && _source[open + 2] is '-' or '+' ? 1 : 0);
            int close = _source.IndexOf("%}", inner, StringComparison.Ordinal);
            string content = close < 0 ? "" : _source[inner..close].Trim().TrimEnd('-', '+').Trim();
            if (content == "endraw")
            {
                string text = _source[_position..open];
                if (_source[open + 2] == '-')
                {
                    text = text.TrimEnd();
                }
                AddData(text);
                _line += CountNewlines(_position, close);
                _position = close + 2;
                return EndTag(_source[close - 1] == '-', trim: _source[close - 1] != '+');
            }
            search = open + 2;
        }
    }

    private (bool StripAfter, bool PlusAfter) LexTagContents(char closer)
    {
        while (true)
        {
            while (_position < _source.Length && char.IsWhiteSpace(_source[_position]))
            {
                if (_source[_position] == '\n')
                {
                    _line++;
                }
                _position++;
            }
            if (_position >= _source.Length)
            {
                throw new TemplateException($"line {_line}: unterminated tag");
            }
            foreach (char modifier in "-+")
            {
                if (Matches(modifier.ToString() + closer + "}"))
                {
                    _position += 3;
                    return (modifier == '-', modifier == '+');
                }
            }
            if (Matches(closer + "}"))
            {
                _position += 2;
                return (false, false);
            }
            char c = _source[_position];
            if (c is '"' or '\'')
            {
                _tokens.Add(new JinjaToken(JinjaTokenKind.String, LexString(c), _line));
            }
            else if (char.IsAsciiDigit(c))
            {
                LexNumber();
            }
            else if (char.IsLetter(c) || c == '_')
            {
                int start = _position;
                while (_position < _source.Length && (char.IsLetterOrDigit(_source[_position]) || _source[_position] == '_'))
                {
                    _position++;
                }
                _tokens.Add(new JinjaToken(JinjaTokenKind.Name, _source[start.._position], _line));
            }
            else
            {
                string? op = s_operators.FirstOrDefault(Matches);
                if (op is null)
                {
                    throw new TemplateException($"line {_line}: unexpected character '{c}'");
                }
                _tokens.Add(new JinjaToken(JinjaTokenKind.Operator, op, _line));
                _position += op.Length;
            }
        }
    }

    private string LexString(char quote)
    {
        var value = new StringBuilder();
        _position++;
        while (true)
        {
            if (_position >= _source.Length)
            {
                throw new TemplateException($"line {_line}: unterminated string");
            }
            char c = _source[_position++];
            if (c == quote)
            {
                return value.ToString();
            }
            if (c != '\\' || _position >= _source.Length)
            {
                value.Append(c);
                continue;
            }
            char escaped = _source[_position++];
            switch (escaped)
            {
                case 'n': value.Append('\n'); break;
                case 't': value.Append('\t'); break;
                case 'r': value.Append('\r'); break;
                case '0': value.Append('\0'); break;
                case 'b': value.Append('\b'); break;
                case 'f': value.Append('\f'); break;
                case 'v': value.Append('\v'); break;
                case 'a': value.Append('\a'); break;
                case '\\': value.Append('\\'); break;
                case '\'': value.Append('\''); break;
                case '"': value.Append('"'); break;
                case '\n': break;
                case 'x': value.Append((char)Convert.ToInt32(_source.Substring(_position, 2), 16)); _position += 2; break;
                case 'u': value.Append((char)Convert.ToInt32(_source.Substring(_position, 4), 16)); _position += 4; break;
                case 'U': value.Append(char.ConvertFromUtf32(Convert.ToInt32(_source.Substring(_position, 8), 16))); _position += 8; break;
                default: value.Append('\\').Append(escaped); break; // Python keeps unknown escapes verbatim
            }
        }
    }

    private void LexNumber()
    {
        int start = _position;
        bool isFloat = false;
        while (_position < _source.Length && (char.IsAsciiDigit(_source[_position]) || _source[_position] == '_'))
        {
            _position++;
        }
        if (_position + 1 < _source.Length && _source[_position] == '.' && char.IsAsciiDigit(_source[_position + 1]))
        {
            isFloat = true;
            _position++;
            while (_position < _source.Length && char.IsAsciiDigit(_source[_position]))
            {
                _position++;
            }
        }
        if (_position < _source.Length && _source[_position] is 'e' or 'E')
        {
            int save = _position++;
            if (_position < _source.Length && _source[_position] is '+' or '-')
            {
                _position++;
            }
            if (_position < _source.Length && char.IsAsciiDigit(_source[_position]))
            {
                isFloat = true;
                while (_position < _source.Length && char.IsAsciiDigit(_source[_position]))
                {
                    _position++;
                }
            }
            else
            {
                _position = save;
            }
        }
        string text = _source[start.._position].Replace("_", "");
        _tokens.Add(new JinjaToken(isFloat ? JinjaTokenKind.Float : JinjaTokenKind.Integer, text, _line));
    }

    private int FindTagStart(int from)
    {
        int search = from;
        while (true)
        {
            int brace = _source.IndexOf('{', search);
            if (brace < 0 || brace + 1 >= _source.Length)
            {
                return -1;
            }
            if (_source[brace + 1] is '{' or '%' or '#')
            {
                return brace;
            }
            search = brace + 1;
        }
    }

    private bool Matches(string text) => string.CompareOrdinal(_source, _position, text, 0, text.Length) == 0;

    private int CountNewlines(int from, int to) => from >= to ? 0 : _source.AsSpan(from, to - from).Count('\n');

    private void AddData(string text)
    {
        if (text.Length > 0)
        {
            _tokens.Add(new JinjaToken(JinjaTokenKind.Data, text, _line));
        }
    }
}
