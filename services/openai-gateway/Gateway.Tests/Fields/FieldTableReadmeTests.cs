using Gateway.Api.Fields;

namespace Gateway.Tests.Fields;

/// <summary>The README's field table is the code's table, row for row, so it cannot promise what the code does not do.</summary>
public sealed class FieldTableReadmeTests
{
    private const string Start = "<!-- field-table:start -->";
    private const string End = "<!-- field-table:end -->";

    [Fact]
    public void ReadmeFieldTable_MatchesApiFieldTable()
    {
        var path = Path.Combine(RepositoryRoot(), "README.md");
        var readme = File.ReadAllText(path).ReplaceLineEndings("\n");
        var start = readme.IndexOf(Start, StringComparison.Ordinal);
        var end = readme.IndexOf(End, StringComparison.Ordinal);
        Assert.True(start >= 0 && end > start, $"README.md has no {Start} … {End} section.");
        if (Environment.GetEnvironmentVariable("UPDATE_README_FIELD_TABLE") == "1")
        {
            // After changing ApiFieldTable: UPDATE_README_FIELD_TABLE=1 dotnet test --filter ReadmeFieldTable rewrites the section.
            readme = readme[..(start + Start.Length)] + "\n" + Render() + "\n" + readme[end..];
            File.WriteAllText(path, readme);
            end = readme.IndexOf(End, StringComparison.Ordinal);
        }

        var actual = readme[(start + Start.Length)..end].Trim('\n');

        Assert.Equal(Render(), actual);
    }

    /// <summary>The table as README.md shows it.</summary>
    private static string Render() => string.Join('\n',
        new[] { "| Field | Endpoints | Status | Notes |", "|---|---|---|---|" }
            .Concat(ApiFieldTable.Fields.Select(f => $"| `{f.Name}` | {Endpoints(f.Endpoints)} | {Status(f)} | {f.Note} |")));

    private static string Endpoints(ApiEndpoints endpoints) => string.Join(", ",
        new[] { (ApiEndpoints.Completions, "completions"), (ApiEndpoints.Chat, "chat"), (ApiEndpoints.Tokenize, "tokenize"), (ApiEndpoints.Detokenize, "detokenize"), (ApiEndpoints.Responses, "responses"), (ApiEndpoints.Embeddings, "embeddings"), (ApiEndpoints.Score, "score"), (ApiEndpoints.Rerank, "rerank"), (ApiEndpoints.Classify, "classify"), (ApiEndpoints.Pool, "pooling") }
            .Where(e => endpoints.HasFlag(e.Item1))
            .Select(e => e.Item2));

    private static string Status(ApiField field) => field.Support switch
    {
        FieldSupport.Supported when field.Accepts is not null => "supported; other values 400",
        FieldSupport.Supported => "supported",
        FieldSupport.NoEffect => "accepted, no effect",
        _ => "400 unless null/neutral",
    };

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Services.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("No Services.sln above " + AppContext.BaseDirectory);
    }
}
