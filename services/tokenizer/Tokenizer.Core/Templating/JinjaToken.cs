namespace Tokenizer.Core.Templating;

internal enum JinjaTokenKind
{
    Data,
    BlockBegin,
    BlockEnd,
    VariableBegin,
    VariableEnd,
    Name,
    String,
    Integer,
    Float,
    Operator,
    End,
}

/// <param name="Line">1-based template line, for error messages.</param>
internal readonly record struct JinjaToken(JinjaTokenKind Kind, string Value, int Line)
{
    public bool Is(JinjaTokenKind kind, string value) => Kind == kind && Value == value;
    public bool IsName(string name) => Is(JinjaTokenKind.Name, name);
    public bool IsOperator(string op) => Is(JinjaTokenKind.Operator, op);
    public override string ToString() => Kind == JinjaTokenKind.End ? "end of template" : $"'{Value}'";
}
