namespace Inference.Grammar;

/// <summary>
/// A structured-output request the engine cannot serve as asked (unsupported or invalid grammar). The message names
/// the feature and where it is; the API answers it with a 400.
/// </summary>
public class GrammarException(string message) : Exception(message);
