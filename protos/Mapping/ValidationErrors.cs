using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using Inference.Abstractions.Generation;

namespace Inference.Contracts.Mapping;

/// <summary>
/// A refused request field on the wire: INVALID_ARGUMENT whose status details carry a <c>google.rpc.BadRequest</c>
/// naming the field (gRPC's richer error model), so a client, the gateway included, can say which field was wrong.
/// </summary>
public static class ValidationErrors
{
    public static RpcException ToRpcException(GenerationValidationException exception) => new Google.Rpc.Status
    {
        Code = (int)Code.InvalidArgument,
        Message = exception.Message,
        Details =
        {
            Any.Pack(new BadRequest
            {
                FieldViolations = { new BadRequest.Types.FieldViolation { Field = exception.Field, Description = exception.Message } },
            }),
        },
    }.ToRpcException();

    /// <summary>The field an INVALID_ARGUMENT names, or null when it names none.</summary>
    public static string? InvalidField(RpcException exception) =>
        exception.GetRpcStatus()?.GetDetail<BadRequest>()?.FieldViolations.FirstOrDefault()?.Field;
}
