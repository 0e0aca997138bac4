using System.Globalization;
using System.Numerics;

namespace Tokenizer.Core.Templating;

/// <summary>Recursive-descent parser for the Jinja2 subset chat templates use, with Jinja2's precedence:
/// conditional &lt; or &lt; and &lt; not &lt; comparison/in &lt; +,- &lt; ~ &lt; *,/,//,% &lt; ** &lt; unary &lt; filters/tests &lt; postfix.</summary>
internal sealed class JinjaParser
{
    private readonly List<JinjaToken> _tokens;
    private int _index;

    private JinjaParser(List<JinjaToken> tokens) => _tokens = tokens;

    public static IReadOnlyList<Statement> Parse(string source)
    {
        var parser = new JinjaParser(JinjaLexer.Tokenize(source));
        List<Statement> body = parser.ParseStatements(out string? end);
        if (end is not null)
        {
            throw parser.Error($"unexpected '{end}'");
        }
        return body;
    }

    private JinjaToken Current => _tokens[_index];
    private JinjaToken Peek(int offset = 1) => _tokens[Math.Min(_index + offset, _tokens.Count - 1)];
    private JinjaToken Next() => _tokens[_index++];

    /// <summary>Parses until the end of the template or a block tag it does not own (endif, else, ...), whose
    /// name is returned in <paramref name="endTag"/> with the cursor on that name.</summary>
    private List<Statement> ParseStatements(out string? endTag, params string[] terminators)
    {
        var statements = new List<Statement>();
        while (true)
        {
            JinjaToken token = Current;
            switch (token.Kind)
            {
                case JinjaTokenKind.End:
                    if (terminators.Length > 0)
                    {
                        throw Error($"missing '{terminators[^1]}'");
                    }
                    endTag = null;
                    return statements;
                case JinjaTokenKind.Data:
                    statements.Add(new TextStatement(Next().Value));
                    break;
                case JinjaTokenKind.VariableBegin:
                    Next();
                    statements.Add(new OutputStatement(ParseExpression()));
                    Expect(JinjaTokenKind.VariableEnd);
                    break;
                case JinjaTokenKind.BlockBegin:
                    string name = Peek().Value;
                    if (terminators.Contains(name))
                    {
                        Next();
                        endTag = name;
                        return statements;
                    }
                    Next();
                    statements.Add(ParseBlock());
                    break;
                default:
                    throw Error($"unexpected {token}");
            }
        }
    }

    private Statement ParseBlock()
    {
        JinjaToken keyword = Next();
        if (keyword.Kind != JinjaTokenKind.Name)
        {
            throw Error($"expected a statement name, got {keyword}");
        }
        switch (keyword.Value)
        {
            case "if": return ParseIf();
            case "for": return ParseFor();
            case "set": return ParseSet();
            case "macro": return ParseMacro();
            case "break": ExpectBlockEnd(); return new BreakStatement();
            case "continue": ExpectBlockEnd(); return new ContinueStatement();
            case "generation":
            {
                ExpectBlockEnd();
                List<Statement> body = ParseStatements(out _, "endgeneration");
                Next();
                ExpectBlockEnd();
                return new BodyStatement(body);
            }
            case "raw":
            {
                // The lexer turned the raw section into one data token.
                ExpectBlockEnd();
                return Current.Kind == JinjaTokenKind.Data ? new TextStatement(Next().Value) : new TextStatement("");
            }
            default:
                throw Error($"unknown statement '{keyword.Value}'");
        }
    }

    private Statement ParseIf()
    {
        var branches = new List<(Expression, IReadOnlyList<Statement>)>();
        Expression condition = ParseExpression();
        ExpectBlockEnd();
        while (true)
        {
            List<Statement> body = ParseStatements(out string? end, "elif", "else", "endif");
            branches.Add((condition, body));
            Next();
            if (end == "elif")
            {
                condition = ParseExpression();
                ExpectBlockEnd();
                continue;
            }
            if (end == "else")
            {
                ExpectBlockEnd();
                List<Statement> elseBody = ParseStatements(out _, "endif");
                Next();
                ExpectBlockEnd();
                return new IfStatement(branches, elseBody);
            }
            ExpectBlockEnd();
            return new IfStatement(branches, []);
        }
    }

    private Statement ParseFor()
    {
        Expression target = ParseAssignTarget();
        ExpectName("in");
        Expression iterable = ParseOr(); // no conditional expression here: "if" starts the loop filter
        Expression? filter = null;
        if (Current.IsName("if"))
        {
            Next();
            filter = ParseExpression();
        }
        if (Current.IsName("recursive"))
        {
            throw Error("recursive loops are not supported");
        }
        ExpectBlockEnd();
        List<Statement> body = ParseStatements(out string? end, "else", "endfor");
        Next();
        ExpectBlockEnd();
        List<Statement> elseBody = [];
        if (end == "else")
        {
            elseBody = ParseStatements(out _, "endfor");
            Next();
            ExpectBlockEnd();
        }
        return new ForStatement(target, iterable, filter, body, elseBody);
    }

    private Statement ParseSet()
    {
        Expression target = ParseAssignTarget();
        if (Current.IsOperator("="))
        {
            Next();
            Expression value = ParseTupleOrExpression();
            ExpectBlockEnd();
            return new SetStatement(target, value);
        }
        if (target is not NameExpression { Name: var name })
        {
            throw Error("a block set needs a plain name");
        }
        ExpectBlockEnd();
        List<Statement> body = ParseStatements(out _, "endset");
        Next();
        ExpectBlockEnd();
        return new SetBlockStatement(name, body);
    }

    private Statement ParseMacro()
    {
        string name = ExpectKind(JinjaTokenKind.Name).Value;
        Expect(JinjaTokenKind.Operator, "(");
        var parameters = new List<(string, Expression?)>();
        while (!Current.IsOperator(")"))
        {
            string parameter = ExpectKind(JinjaTokenKind.Name).Value;
            Expression? defaultValue = null;
            if (Current.IsOperator("="))
            {
                Next();
                defaultValue = ParseExpression();
            }
            parameters.Add((parameter, defaultValue));
            if (!Current.IsOperator(","))
            {
                break;
            }
            Next();
        }
        Expect(JinjaTokenKind.Operator, ")");
        ExpectBlockEnd();
        List<Statement> body = ParseStatements(out _, "endmacro");
        Next();
        ExpectBlockEnd();
        return new MacroStatement(name, parameters, body);
    }

    /// <summary>name, name.attr (namespace), or a tuple of names "a, b".</summary>
    private Expression ParseAssignTarget()
    {
        var names = new List<Expression>();
        do
        {
            if (names.Count > 0)
            {
                Next();
            }
            Expression target = new NameExpression(ExpectKind(JinjaTokenKind.Name).Value);
            if (Current.IsOperator("."))
            {
                Next();
                target = new AttributeExpression(target, ExpectKind(JinjaTokenKind.Name).Value);
            }
            names.Add(target);
        }
        while (Current.IsOperator(","));
        return names.Count == 1 ? names[0] : new TupleExpression(names);
    }

    private Expression ParseTupleOrExpression()
    {
        Expression first = ParseExpression();
        if (!Current.IsOperator(","))
        {
            return first;
        }
        var items = new List<Expression> { first };
        while (Current.IsOperator(","))
        {
            Next();
            if (Current.Kind == JinjaTokenKind.BlockEnd)
            {
                break;
            }
            items.Add(ParseExpression());
        }
        return new TupleExpression(items);
    }

    private Expression ParseExpression()
    {
        Expression value = ParseOr();
        while (Current.IsName("if"))
        {
            Next();
            Expression condition = ParseOr();
            Expression? otherwise = null;
            if (Current.IsName("else"))
            {
                Next();
                otherwise = ParseExpression();
            }
            value = new ConditionalExpression(condition, value, otherwise);
        }
        return value;
    }

    private Expression ParseOr()
    {
        Expression left = ParseAnd();
        while (Current.IsName("or"))
        {
            Next();
            left = new BinaryExpression("or", left, ParseAnd());
        }
        return left;
    }

    private Expression ParseAnd()
    {
        Expression left = ParseNot();
        while (Current.IsName("and"))
        {
            Next();
            left = new BinaryExpression("and", left, ParseNot());
        }
        return left;
    }

    private Expression ParseNot()
    {
        if (Current.IsName("not"))
        {
            Next();
            return new UnaryExpression("not", ParseNot());
        }
        return ParseCompare();
    }

    private Expression ParseCompare()
    {
        Expression first = ParseMath1();
        var rest = new List<(string, Expression)>();
        while (true)
        {
            if (Current.Kind == JinjaTokenKind.Operator && Current.Value is "==" or "!=" or "<" or ">" or "<=" or ">=")
            {
                string op = Next().Value;
                rest.Add((op, ParseMath1()));
            }
            else if (Current.IsName("in"))
            {
                Next();
                rest.Add(("in", ParseMath1()));
            }
            else if (Current.IsName("not") && Peek().IsName("in"))
            {
                Next();
                Next();
                rest.Add(("not in", ParseMath1()));
            }
            else
            {
                break;
            }
        }
        return rest.Count == 0 ? first : new CompareExpression(first, rest);
    }

    private Expression ParseMath1()
    {
        Expression left = ParseConcat();
        while (Current.Kind == JinjaTokenKind.Operator && Current.Value is "+" or "-")
        {
            string op = Next().Value;
            left = new BinaryExpression(op, left, ParseConcat());
        }
        return left;
    }

    private Expression ParseConcat()
    {
        Expression left = ParseMath2();
        while (Current.IsOperator("~"))
        {
            Next();
            left = new BinaryExpression("~", left, ParseMath2());
        }
        return left;
    }

    private Expression ParseMath2()
    {
        Expression left = ParsePow();
        while (Current.Kind == JinjaTokenKind.Operator && Current.Value is "*" or "/" or "//" or "%")
        {
            string op = Next().Value;
            left = new BinaryExpression(op, left, ParsePow());
        }
        return left;
    }

    private Expression ParsePow()
    {
        Expression left = ParseUnary();
        while (Current.IsOperator("**"))
        {
            Next();
            left = new BinaryExpression("**", left, ParseUnary());
        }
        return left;
    }

    private Expression ParseUnary()
    {
        if (Current.Kind == JinjaTokenKind.Operator && Current.Value is "-" or "+")
        {
            string op = Next().Value;
            return ParseFilterAndTests(new UnaryExpression(op, ParseUnary()));
        }
        return ParseFilterAndTests(ParsePostfix(ParsePrimary()));
    }

    private Expression ParseFilterAndTests(Expression value)
    {
        while (true)
        {
            if (Current.IsOperator("|"))
            {
                Next();
                string name = ParseDottedName();
                (List<Expression> args, List<(string, Expression)> kwargs) = Current.IsOperator("(") ? ParseArguments() : ([], []);
                value = ParsePostfix(new FilterExpression(value, name, args, kwargs));
            }
            else if (Current.IsName("is"))
            {
                Next();
                bool negated = false;
                if (Current.IsName("not"))
                {
                    Next();
                    negated = true;
                }
                string name = ParseDottedName();
                var args = new List<Expression>();
                if (Current.IsOperator("("))
                {
                    args = ParseArguments().Positional;
                }
                else if (Current.Kind is JinjaTokenKind.String or JinjaTokenKind.Integer or JinjaTokenKind.Float
                    || (Current.Kind == JinjaTokenKind.Name && Current.Value is not ("and" or "or" or "else" or "if" or "in" or "is" or "not")))
                {
                    // "is divisibleby 3", "is sameas none": one argument without parentheses.
                    args.Add(ParsePostfix(ParsePrimary()));
                }
                value = new TestExpression(value, name, args, negated);
            }
            else
            {
                return value;
            }
        }
    }

    private string ParseDottedName()
    {
        string name = ExpectKind(JinjaTokenKind.Name).Value;
        while (Current.IsOperator(".") && Peek().Kind == JinjaTokenKind.Name)
        {
            Next();
            name += "." + Next().Value;
        }
        return name;
    }

    private Expression ParsePrimary()
    {
        JinjaToken token = Next();
        switch (token.Kind)
        {
            case JinjaTokenKind.Name:
                return token.Value switch
                {
                    "true" or "True" => new LiteralExpression(true),
                    "false" or "False" => new LiteralExpression(false),
                    "none" or "None" => new LiteralExpression(null),
                    _ => new NameExpression(token.Value),
                };
            case JinjaTokenKind.String:
                string text = token.Value;
                while (Current.Kind == JinjaTokenKind.String)
                {
                    text += Next().Value; // adjacent literals concatenate
                }
                return new LiteralExpression(text);
            case JinjaTokenKind.Integer:
                return new LiteralExpression(BigInteger.Parse(token.Value, CultureInfo.InvariantCulture));
            case JinjaTokenKind.Float:
                return new LiteralExpression(double.Parse(token.Value, CultureInfo.InvariantCulture));
            case JinjaTokenKind.Operator when token.Value == "(":
            {
                if (Current.IsOperator(")"))
                {
                    Next();
                    return new TupleExpression([]);
                }
                Expression first = ParseExpression();
                if (Current.IsOperator(")"))
                {
                    Next();
                    return first;
                }
                var items = new List<Expression> { first };
                while (Current.IsOperator(","))
                {
                    Next();
                    if (Current.IsOperator(")"))
                    {
                        break;
                    }
                    items.Add(ParseExpression());
                }
                Expect(JinjaTokenKind.Operator, ")");
                return new TupleExpression(items);
            }
            case JinjaTokenKind.Operator when token.Value == "[":
            {
                var items = new List<Expression>();
                while (!Current.IsOperator("]"))
                {
                    items.Add(ParseExpression());
                    if (!Current.IsOperator(","))
                    {
                        break;
                    }
                    Next();
                }
                Expect(JinjaTokenKind.Operator, "]");
                return new ListExpression(items);
            }
            case JinjaTokenKind.Operator when token.Value == "{":
            {
                var items = new List<(Expression, Expression)>();
                while (!Current.IsOperator("}"))
                {
                    Expression key = ParseExpression();
                    Expect(JinjaTokenKind.Operator, ":");
                    items.Add((key, ParseExpression()));
                    if (!Current.IsOperator(","))
                    {
                        break;
                    }
                    Next();
                }
                Expect(JinjaTokenKind.Operator, "}");
                return new DictExpression(items);
            }
            default:
                _index--;
                throw Error($"unexpected {token}");
        }
    }

    private Expression ParsePostfix(Expression value)
    {
        while (true)
        {
            if (Current.IsOperator("."))
            {
                Next();
                JinjaToken name = Next();
                value = name.Kind switch
                {
                    JinjaTokenKind.Name => new AttributeExpression(value, name.Value),
                    JinjaTokenKind.Integer => new IndexExpression(value, new LiteralExpression(BigInteger.Parse(name.Value, CultureInfo.InvariantCulture))),
                    _ => throw Error($"expected an attribute name, got {name}"),
                };
            }
            else if (Current.IsOperator("["))
            {
                Next();
                value = new IndexExpression(value, ParseSubscript());
                Expect(JinjaTokenKind.Operator, "]");
            }
            else if (Current.IsOperator("("))
            {
                (List<Expression> args, List<(string, Expression)> kwargs) = ParseArguments();
                value = new CallExpression(value, args, kwargs);
            }
            else
            {
                return value;
            }
        }
    }

    private Expression ParseSubscript()
    {
        Expression? start = null;
        if (!Current.IsOperator(":"))
        {
            start = ParseExpression();
            if (!Current.IsOperator(":"))
            {
                return start;
            }
        }
        Next();
        Expression? stop = Current.IsOperator(":") || Current.IsOperator("]") ? null : ParseExpression();
        Expression? step = null;
        if (Current.IsOperator(":"))
        {
            Next();
            step = Current.IsOperator("]") ? null : ParseExpression();
        }
        return new SliceExpression(start, stop, step);
    }

    private (List<Expression> Positional, List<(string, Expression)> Keyword) ParseArguments()
    {
        Expect(JinjaTokenKind.Operator, "(");
        var positional = new List<Expression>();
        var keyword = new List<(string, Expression)>();
        while (!Current.IsOperator(")"))
        {
            if (Current.Kind == JinjaTokenKind.Name && Peek().IsOperator("="))
            {
                string name = Next().Value;
                Next();
                keyword.Add((name, ParseExpression()));
            }
            else
            {
                positional.Add(ParseExpression());
            }
            if (!Current.IsOperator(","))
            {
                break;
            }
            Next();
        }
        Expect(JinjaTokenKind.Operator, ")");
        return (positional, keyword);
    }

    private void ExpectBlockEnd() => Expect(JinjaTokenKind.BlockEnd);

    private void ExpectName(string name)
    {
        if (!Current.IsName(name))
        {
            throw Error($"expected '{name}', got {Current}");
        }
        Next();
    }

    private JinjaToken ExpectKind(JinjaTokenKind kind)
    {
        if (Current.Kind != kind)
        {
            throw Error($"expected {kind}, got {Current}");
        }
        return Next();
    }

    private void Expect(JinjaTokenKind kind, string? value = null)
    {
        if (Current.Kind != kind || (value is not null && Current.Value != value))
        {
            throw Error($"expected {(value is null ? kind.ToString() : $"'{value}'")}, got {Current}");
        }
        Next();
    }

    private TemplateException Error(string message) => new($"template syntax error, line {Current.Line}: {message}");
}
