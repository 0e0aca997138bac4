using Inference.Contracts.Mapping;
using Grpc.Core;
using Inference.Abstractions.Text;
using Tokenizer.Core;
using Tokenizer.Core.Streaming;
using Tokenizer.Service.Hosting;
using Contracts = Inference.Contracts.Tokenizer.V1;

namespace Tokenizer.Service.Grpc;

/// <summary>The gRPC edge of inference.tokenizer.v1.Tokenizer: maps messages to the domain and errors to status codes.</summary>
public sealed class TokenizerGrpcService(QwenTokenizer tokenizer, LocalTextTokenizer text, ILogger<TokenizerGrpcService> logger)
    : Contracts.Tokenizer.TokenizerBase
{
    public override Task<Contracts.GetInfoResponse> GetInfo(Contracts.GetInfoRequest request, ServerCallContext context)
    {
        var response = new Contracts.GetInfoResponse
        {
            VocabSize = tokenizer.VocabSize,
            BosTokenId = tokenizer.BosTokenId,
            MaxInputChars = tokenizer.MaxInputChars,
            HasChatTemplate = tokenizer.ChatTemplate is not null,
            ChatTemplateOverridden = tokenizer.ChatTemplateOverridden,
        };
        response.EosTokenIds.AddRange(tokenizer.EosTokenIds);
        return Task.FromResult(response);
    }

    public override Task<Contracts.EncodeResponse> Encode(Contracts.EncodeRequest request, ServerCallContext context)
    {
        var response = new Contracts.EncodeResponse();
        response.Ids.AddRange(EncodeOrThrow(request.Text, request.ParseSpecialTokens, request.AddSpecialTokens));
        return Task.FromResult(response);
    }

    public override Task<Contracts.DecodeResponse> Decode(Contracts.DecodeRequest request, ServerCallContext context) =>
        Task.FromResult(new Contracts.DecodeResponse { Text = tokenizer.Decode(request.Ids, request.SkipSpecialTokens) });

    public override Task<Contracts.DecodeEachResponse> DecodeEach(Contracts.DecodeEachRequest request, ServerCallContext context)
    {
        var response = new Contracts.DecodeEachResponse();
        foreach (var id in request.Ids)
        {
            response.Texts.Add(tokenizer.Decode([id], request.SkipSpecialTokens));
        }

        return Task.FromResult(response);
    }

    public override Task<Contracts.ConvertIdsToTokensResponse> ConvertIdsToTokens(Contracts.ConvertIdsToTokensRequest request, ServerCallContext context)
    {
        var response = new Contracts.ConvertIdsToTokensResponse();
        for (var i = 0; i < request.Ids.Count; i++)
        {
            response.Tokens.Add(tokenizer.IdToToken(request.Ids[i]) ?? throw new RpcException(new Status(StatusCode.InvalidArgument,
                $"ids[{i}] is {request.Ids[i]}, outside the vocabulary (ids 0 to {tokenizer.VocabSize - 1}).")));
        }

        return Task.FromResult(response);
    }

    public override async Task<Contracts.ApplyChatTemplateResponse> ApplyChatTemplate(
        Contracts.ApplyChatTemplateRequest request, ServerCallContext context)
    {
        if (tokenizer.ChatTemplate is null && request.ChatTemplate.Length == 0)
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition, "the model has no chat_template"));
        }
        RequireLength("messages_json", request.MessagesJson);
        RequireLength("chat_template", request.ChatTemplate);
        RequireLength("tools_json", request.ToolsJson);
        RequireLength("template_kwargs_json", request.TemplateKwargsJson);
        var input = ChatTemplateMessages.ToDomain(request);
        string prompt;
        try
        {
            prompt = text.RenderChatTemplate(input);
        }
        catch (ChatTemplateException e)
        {
            logger.ChatTemplateFailed(e.Message);
            throw new RpcException(new Status(StatusCode.InvalidArgument, e.Message));
        }
        var response = new Contracts.ApplyChatTemplateResponse { Prompt = prompt };
        if (request.Tokenize)
        {
            response.Ids.AddRange(EncodeOrThrow(prompt, parseSpecialTokens: true, input.AddSpecialTokens));
        }
        return response;
    }

    public override async Task Detokenize(
        IAsyncStreamReader<Contracts.DetokenizeRequest> requestStream,
        IServerStreamWriter<Contracts.DetokenizeResponse> responseStream,
        ServerCallContext context)
    {
        try
        {
            await DetokenizeStream(requestStream, responseStream, context.CancellationToken);
        }
        catch (Exception e) when (IsEndedByCaller(e, context))
        {
            // The scheduler completes and resets (or cancels) the stream when a request ends: the normal end of a
            // sequence, not a fault. Returning (rather than throwing) keeps gRPC from logging it as an error too.
            logger.DetokenizeEndedByCaller(e.GetType().Name, e.Message);
        }
    }

    private async Task DetokenizeStream(
        IAsyncStreamReader<Contracts.DetokenizeRequest> requestStream,
        IServerStreamWriter<Contracts.DetokenizeResponse> responseStream,
        CancellationToken cancellationToken)
    {
        if (!await requestStream.MoveNext(cancellationToken))
        {
            return;
        }
        if (requestStream.Current.KindCase != Contracts.DetokenizeRequest.KindOneofCase.Start)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "the first Detokenize message must be `start`"));
        }
        Contracts.DetokenizeStart start = requestStream.Current.Start;
        if (DetokenizeSequences.StartError(start) is { } error)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, error));
        }
        IncrementalDetokenizer detokenizer = tokenizer.CreateDetokenizer(
            start.SkipSpecialTokens, start.Stop, start.IncludeStopStrInOutput, start.MinTokens);
        while (await requestStream.MoveNext(cancellationToken))
        {
            Contracts.DetokenizeRequest message = requestStream.Current;
            if (message.KindCase != Contracts.DetokenizeRequest.KindOneofCase.Ids)
            {
                throw new RpcException(new Status(StatusCode.InvalidArgument, "only the first Detokenize message may be `start`; later ones must be `ids`"));
            }
            DetokenizedDelta delta = detokenizer.Push(message.Ids.Ids, message.Ids.Final);
            await responseStream.WriteAsync(DetokenizeSequences.ToProto(delta), cancellationToken);
        }
    }

    public override async Task DetokenizeMany(
        IAsyncStreamReader<Contracts.DetokenizeManyRequest> requestStream,
        IServerStreamWriter<Contracts.DetokenizeManyResponse> responseStream,
        ServerCallContext context)
    {
        var sequences = new DetokenizeSequences(tokenizer);
        try
        {
            await foreach (var message in requestStream.ReadAllAsync(context.CancellationToken))
            {
                await responseStream.WriteAsync(sequences.Apply(message), context.CancellationToken);
            }
        }
        catch (Exception e) when (IsEndedByCaller(e, context))
        {
            // The scheduler went away or reset the stream (shutdown, restart): its sequences end with it.
            logger.DetokenizeEndedByCaller(e.GetType().Name, e.Message);
        }
    }

    /// <summary>
    /// Whether the stream failed because the caller went away. Kestrel fails the request stream with an IOException
    /// ("The client reset the request stream") at once but cancels RequestAborted later, if at all (after a half-close
    /// and reset, as the scheduler does, not even gRPC's own check sees it), so the token cannot decide for those; only
    /// the streams throw IOException or OperationCanceledException here (detokenizing is in-memory). Anything else counts
    /// only once the call is cancelled (e.g. InvalidOperationException "the request is complete" from a read or write after the reset).
    /// </summary>
    private static bool IsEndedByCaller(Exception e, ServerCallContext context) => e switch
    {
        OperationCanceledException or IOException => true,
        RpcException { StatusCode: StatusCode.Cancelled } => true,
        RpcException => false,
        _ => context.CancellationToken.IsCancellationRequested,
    };

    private int[] EncodeOrThrow(string value, bool parseSpecialTokens, bool addSpecialTokens)
    {
        try
        {
            return tokenizer.Encode(value, parseSpecialTokens, addSpecialTokens);
        }
        catch (TokenizerInputException e)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, e.Message));
        }
    }

    private void RequireLength(string field, string value)
    {
        if (value.Length > tokenizer.MaxInputChars)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument,
                $"{field} must be at most {tokenizer.MaxInputChars} characters, got {value.Length}"));
        }
    }
}
