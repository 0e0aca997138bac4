namespace Scheduler.Core;

/// <summary>A request asked for an id that a running request already has; nothing was queued.</summary>
public sealed class DuplicateRequestIdException(string requestId)
    : Exception($"request_id '{requestId}' is already in use by a running request.")
{
    public string RequestId { get; } = requestId;
}
