namespace Worker.Tests.Support;

/// <summary>Finds the repository's fixtures/ folder by walking up from the test binaries.</summary>
internal static class RepositoryFiles
{
    public static string Fixture(string relativePath)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "fixtures", relativePath);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException($"fixtures/{relativePath} not found above {AppContext.BaseDirectory}");
    }
}
