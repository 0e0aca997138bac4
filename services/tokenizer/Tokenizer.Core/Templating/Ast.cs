namespace Tokenizer.Core.Templating;

// Statements: what a template does.
internal abstract record Statement;
internal sealed record TextStatement(string Text) : Statement;
internal sealed record OutputStatement(Expression Value) : Statement;
internal sealed record IfStatement(IReadOnlyList<(Expression Condition, IReadOnlyList<Statement> Body)> Branches, IReadOnlyList<Statement> Else) : Statement;
internal sealed record ForStatement(Expression Target, Expression Iterable, Expression? Filter, IReadOnlyList<Statement> Body, IReadOnlyList<Statement> Else) : Statement;
internal sealed record SetStatement(Expression Target, Expression Value) : Statement;
internal sealed record SetBlockStatement(string Name, IReadOnlyList<Statement> Body) : Statement;
internal sealed record MacroStatement(string Name, IReadOnlyList<(string Name, Expression? Default)> Parameters, IReadOnlyList<Statement> Body) : Statement;
internal sealed record BreakStatement : Statement;
internal sealed record ContinueStatement : Statement;
/// <summary>Renders its body: transformers' {% generation %} marker (AssistantTracker) and plain scoping blocks.</summary>
internal sealed record BodyStatement(IReadOnlyList<Statement> Body) : Statement;

// Expressions: values.
internal abstract record Expression;
internal sealed record LiteralExpression(object? Value) : Expression;
internal sealed record NameExpression(string Name) : Expression;
internal sealed record ListExpression(IReadOnlyList<Expression> Items) : Expression;
internal sealed record TupleExpression(IReadOnlyList<Expression> Items) : Expression;
internal sealed record DictExpression(IReadOnlyList<(Expression Key, Expression Value)> Items) : Expression;
internal sealed record AttributeExpression(Expression Target, string Name) : Expression;
internal sealed record IndexExpression(Expression Target, Expression Index) : Expression;
internal sealed record SliceExpression(Expression? Start, Expression? Stop, Expression? Step) : Expression;
internal sealed record CallExpression(Expression Callee, IReadOnlyList<Expression> Arguments, IReadOnlyList<(string Name, Expression Value)> KeywordArguments) : Expression;
internal sealed record FilterExpression(Expression Target, string Name, IReadOnlyList<Expression> Arguments, IReadOnlyList<(string Name, Expression Value)> KeywordArguments) : Expression;
internal sealed record TestExpression(Expression Target, string Name, IReadOnlyList<Expression> Arguments, bool Negated) : Expression;
internal sealed record UnaryExpression(string Operator, Expression Operand) : Expression;
internal sealed record BinaryExpression(string Operator, Expression Left, Expression Right) : Expression;
internal sealed record CompareExpression(Expression First, IReadOnlyList<(string Operator, Expression Operand)> Rest) : Expression;
internal sealed record ConditionalExpression(Expression Condition, Expression Then, Expression? Else) : Expression;
