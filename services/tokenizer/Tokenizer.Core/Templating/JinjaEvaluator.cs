using System.Text;

namespace Tokenizer.Core.Templating;

/// <summary>Walks the template's statements, writing output; evaluates expressions with Python semantics.</summary>
internal sealed class JinjaEvaluator
{
    private const int MaxOutputChars = 64 * 1024 * 1024;
    private readonly StringBuilder _output;

    private JinjaEvaluator(StringBuilder output) => _output = output;

    private enum Flow { Normal, Break, Continue }

    public static string Render(IReadOnlyList<Statement> template, JinjaScope globals)
    {
        var output = new StringBuilder();
        new JinjaEvaluator(output).Execute(template, new JinjaScope(globals));
        return output.ToString();
    }

    private Flow Execute(IReadOnlyList<Statement> statements, JinjaScope scope)
    {
        foreach (Statement statement in statements)
        {
            Flow flow = Execute(statement, scope);
            if (flow != Flow.Normal)
            {
                return flow;
            }
            if (_output.Length > MaxOutputChars)
            {
                throw new TemplateException($"template output exceeds {MaxOutputChars} characters");
            }
        }
        return Flow.Normal;
    }

    private Flow Execute(Statement statement, JinjaScope scope)
    {
        switch (statement)
        {
            case TextStatement text:
                _output.Append(text.Text);
                return Flow.Normal;
            case OutputStatement output:
                _output.Append(PyOps.Str(Evaluate(output.Value, scope)));
                return Flow.Normal;
            case IfStatement conditional:
                foreach ((Expression condition, IReadOnlyList<Statement> body) in conditional.Branches)
                {
                    if (PyOps.Truthy(Evaluate(condition, scope)))
                    {
                        return Execute(body, scope);
                    }
                }
                return Execute(conditional.Else, scope);
            case ForStatement loop:
                return ExecuteFor(loop, scope);
            case SetStatement set:
                Assign(set.Target, Evaluate(set.Value, scope), scope);
                return Flow.Normal;
            case SetBlockStatement setBlock:
            {
                var inner = new StringBuilder();
                new JinjaEvaluator(inner).Execute(setBlock.Body, scope);
                scope.Set(setBlock.Name, inner.ToString());
                return Flow.Normal;
            }
            case MacroStatement macro:
                scope.Set(macro.Name, MakeMacro(macro, scope));
                return Flow.Normal;
            case BreakStatement:
                return Flow.Break;
            case ContinueStatement:
                return Flow.Continue;
            case BodyStatement block:
                return Execute(block.Body, scope);
            default:
                throw new TemplateException($"unsupported statement {statement.GetType().Name}");
        }
    }

    private Flow ExecuteFor(ForStatement loop, JinjaScope scope)
    {
        object? iterable = Evaluate(loop.Iterable, scope);
        IReadOnlyList<object?> items = PyOps.Iterate(iterable);
        if (loop.Filter is not null)
        {
            items = items.Where(item =>
            {
                var filterScope = new JinjaScope(scope);
                Assign(loop.Target, item, filterScope);
                return PyOps.Truthy(Evaluate(loop.Filter, filterScope));
            }).ToList();
        }
        if (items.Count == 0)
        {
            return Execute(loop.Else, scope);
        }
        var context = new LoopContext(items);
        for (int i = 0; i < items.Count; i++)
        {
            context.Index0 = i;
            var iterationScope = new JinjaScope(scope);
            iterationScope.Set("loop", context);
            Assign(loop.Target, items[i], iterationScope);
            if (Execute(loop.Body, iterationScope) == Flow.Break)
            {
                break;
            }
        }
        return Flow.Normal;
    }

    private void Assign(Expression target, object? value, JinjaScope scope)
    {
        switch (target)
        {
            case NameExpression name:
                scope.Set(name.Name, value);
                break;
            case AttributeExpression { Target: NameExpression owner } attribute:
                if (scope.Lookup(owner.Name) is not Namespace ns)
                {
                    throw new TemplateException($"cannot assign attribute on non-namespace object '{owner.Name}'");
                }
                ns.Attributes[attribute.Name] = value;
                break;
            case TupleExpression tuple:
            {
                IReadOnlyList<object?> values = PyOps.Iterate(value);
                if (values.Count != tuple.Items.Count)
                {
                    throw new TemplateException($"cannot unpack {values.Count} values into {tuple.Items.Count} names");
                }
                for (int i = 0; i < values.Count; i++)
                {
                    Assign(tuple.Items[i], values[i], scope);
                }
                break;
            }
            default:
                throw new TemplateException("cannot assign to this expression");
        }
    }

    private JinjaFunction MakeMacro(MacroStatement macro, JinjaScope definitionScope) => new(macro.Name, (args, kwargs) =>
    {
        var scope = new JinjaScope(definitionScope);
        for (int i = 0; i < macro.Parameters.Count; i++)
        {
            (string name, Expression? defaultValue) = macro.Parameters[i];
            object? value = i < args.Count ? args[i]
                : kwargs.TryGetValue(name, out object? keyword) ? keyword
                : defaultValue is null ? new Undefined($"'{name}' is undefined") : Evaluate(defaultValue, scope);
            scope.Set(name, value);
        }
        var output = new StringBuilder();
        new JinjaEvaluator(output).Execute(macro.Body, scope);
        return output.ToString();
    });

    private object? Evaluate(Expression expression, JinjaScope scope)
    {
        switch (expression)
        {
            case LiteralExpression literal:
                return literal.Value;
            case NameExpression name:
                return scope.Lookup(name.Name);
            case ListExpression list:
                return list.Items.Select(i => Evaluate(i, scope)).ToList();
            case TupleExpression tuple:
                return tuple.Items.Select(i => Evaluate(i, scope)).ToArray();
            case DictExpression dict:
            {
                var result = new OrderedDictionary<string, object?>();
                foreach ((Expression key, Expression value) in dict.Items)
                {
                    result[PyOps.Str(Evaluate(key, scope))] = Evaluate(value, scope);
                }
                return result;
            }
            case AttributeExpression attribute:
                return JinjaAccess.GetAttribute(Evaluate(attribute.Target, scope), attribute.Name);
            case IndexExpression { Index: SliceExpression slice } sliced:
                return JinjaAccess.Slice(Evaluate(sliced.Target, scope), EvaluateOptional(slice.Start, scope),
                    EvaluateOptional(slice.Stop, scope), EvaluateOptional(slice.Step, scope));
            case IndexExpression index:
                return JinjaAccess.GetItem(Evaluate(index.Target, scope), Evaluate(index.Index, scope));
            case CallExpression call:
                return EvaluateCall(call, scope);
            case FilterExpression filter:
                return JinjaFilters.Apply(filter.Name, Evaluate(filter.Target, scope),
                    filter.Arguments.Select(a => Evaluate(a, scope)).ToList(), EvaluateKeywords(filter.KeywordArguments, scope));
            case TestExpression test:
                return JinjaTests.Apply(test.Name, Evaluate(test.Target, scope), test.Arguments.Select(a => Evaluate(a, scope)).ToList()) != test.Negated;
            case UnaryExpression unary:
                return EvaluateUnary(unary, scope);
            case BinaryExpression binary:
                return EvaluateBinary(binary, scope);
            case CompareExpression compare:
                return EvaluateCompare(compare, scope);
            case ConditionalExpression conditional:
                return PyOps.Truthy(Evaluate(conditional.Condition, scope))
                    ? Evaluate(conditional.Then, scope)
                    : conditional.Else is null ? new Undefined("the inline if-expression evaluated to false and no else section was defined") : Evaluate(conditional.Else, scope);
            default:
                throw new TemplateException($"unsupported expression {expression.GetType().Name}");
        }
    }

    private object? EvaluateOptional(Expression? expression, JinjaScope scope) => expression is null ? null : Evaluate(expression, scope);

    private Dictionary<string, object?> EvaluateKeywords(IReadOnlyList<(string Name, Expression Value)> keywords, JinjaScope scope) =>
        keywords.ToDictionary(k => k.Name, k => Evaluate(k.Value, scope));

    private object? EvaluateCall(CallExpression call, JinjaScope scope)
    {
        object? callee = Evaluate(call.Callee, scope);
        List<object?> args = call.Arguments.Select(a => Evaluate(a, scope)).ToList();
        Dictionary<string, object?> kwargs = EvaluateKeywords(call.KeywordArguments, scope);
        return callee switch
        {
            JinjaFunction function => function.Invoke(args, kwargs),
            Undefined u => throw u.Error(),
            _ => throw new TemplateException($"'{PyOps.TypeName(callee)}' object is not callable"),
        };
    }

    private object? EvaluateUnary(UnaryExpression unary, JinjaScope scope)
    {
        object? operand = Evaluate(unary.Operand, scope);
        return unary.Operator switch
        {
            "not" => !PyOps.Truthy(operand),
            "-" => operand is double d ? -d : operand is Undefined u ? throw u.Error() : -PyOps.ToInteger(operand),
            _ => operand is Undefined v ? throw v.Error() : operand,
        };
    }

    private object? EvaluateBinary(BinaryExpression binary, JinjaScope scope)
    {
        switch (binary.Operator)
        {
            case "and":
            {
                object? left = Evaluate(binary.Left, scope);
                return PyOps.Truthy(left) ? Evaluate(binary.Right, scope) : left;
            }
            case "or":
            {
                object? left = Evaluate(binary.Left, scope);
                return PyOps.Truthy(left) ? left : Evaluate(binary.Right, scope);
            }
            case "~":
                return PyOps.Str(Evaluate(binary.Left, scope)) + PyOps.Str(Evaluate(binary.Right, scope));
            case "+":
                return PyOps.Add(Evaluate(binary.Left, scope), Evaluate(binary.Right, scope));
            default:
                return PyOps.Arithmetic(binary.Operator, Evaluate(binary.Left, scope), Evaluate(binary.Right, scope));
        }
    }

    private bool EvaluateCompare(CompareExpression compare, JinjaScope scope)
    {
        object? left = Evaluate(compare.First, scope);
        foreach ((string op, Expression operand) in compare.Rest)
        {
            object? right = Evaluate(operand, scope);
            bool holds = op switch
            {
                "==" => PyOps.Equals(left, right),
                "!=" => !PyOps.Equals(left, right),
                "<" => PyOps.Compare(left, right) < 0,
                "<=" => PyOps.Compare(left, right) <= 0,
                ">" => PyOps.Compare(left, right) > 0,
                ">=" => PyOps.Compare(left, right) >= 0,
                "in" => PyOps.Contains(right, left),
                "not in" => !PyOps.Contains(right, left),
                _ => throw new TemplateException($"unknown comparison {op}"),
            };
            if (!holds)
            {
                return false;
            }
            left = right;
        }
        return true;
    }
}
