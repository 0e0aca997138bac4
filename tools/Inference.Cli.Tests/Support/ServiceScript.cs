namespace Inference.Cli.Tests.Support;

/// <summary>A shell script that stands in for a service executable in `serve`'s process tests.</summary>
public static class ServiceScript
{
    /// <summary>Writes <paramref name="body"/> as an executable /bin/sh script named <paramref name="name"/> and returns its path.</summary>
    public static string Write(TemporaryDirectory directory, string body, string name = "service.sh")
    {
        var path = directory.File(name);
        File.WriteAllText(path, "#!/bin/sh\n" + body + "\n");
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }
}
