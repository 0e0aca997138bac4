namespace Integration.Tests.Containers;

/// <summary>
/// The container tests share one <see cref="ContainerSystem"/>: its images are built and its containers started
/// once for all of them, and its classes run one after another.
/// </summary>
[CollectionDefinition(Name)]
public sealed class ContainerCollection : ICollectionFixture<ContainerSystem>
{
    public const string Name = "Containers";
}
