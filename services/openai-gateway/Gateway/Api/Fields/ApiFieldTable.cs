using System.Collections.Concurrent;
using System.Collections.Frozen;
using System.Text.Json;
using Gateway.Api.Embeddings;
using Gateway.Api.Errors;
using Gateway.Api.Json;
using E = Gateway.Api.Fields.ApiEndpoints;
using static Gateway.Api.Fields.FieldChecks;
using static Gateway.Api.Fields.FieldSupport;

namespace Gateway.Api.Fields;

/// <summary>
/// Every request field of OpenAI's completions, chat completions, Responses and embeddings APIs and of vLLM's extensions
/// (its <c>CompletionRequest</c>, <c>ChatCompletionRequest</c>, <c>ResponsesRequest</c> and <c>EmbeddingCompletionRequest</c>),
/// plus vLLM's <c>/tokenize</c>, <c>/detokenize</c>, <c>/score</c> (<c>ScoreRequest</c>) and <c>/rerank</c>
/// (<c>RerankRequest</c>): honoured, accepted with no effect, or refused with a 400 naming it. This is the one place
/// that decides it (the README's table is checked against it). A name has one row, or one per meaning where another
/// API gives it another (the Responses API's stream and tools, rerank's documents), their endpoints apart. A field not
/// listed for an endpoint is unknown there: ignored, and named in a warning (<see cref="Enforce"/>), as vLLM does.
/// </summary>
public static class ApiFieldTable
{
    private const string NotYet = "is not supported yet";

    private const string StructuralTagNote =
        "{structures: [{begin, schema, end}], triggers}, as xgrammar's: free text until a trigger appears, then a structure whose begin starts with it (the rest of begin, JSON matching schema as json_schema strict, end), then free text again; never ends inside a structure; a begin that starts with no trigger, a trigger that starts no begin, an empty one, or a trigger that is a prefix of another is a 400 naming it";

    private const string NewerStructuralTag =
        "or xgrammar's newer {type: structural_tag, format}: a tree of const_string, json_schema (style json), grammar, regex, any_text (excludes; ends where its tag's end first appears), sequence, or, optional, plus, star, repeat, tag (string begin, end a string or strings), triggered_tags and tags_with_separator (at_least_one, stop_after_first); token-level formats, dispatch, other json_schema styles, any_order and any_text's max_tokens/max_chars are a 400 naming the path";

    public static IReadOnlyList<ApiField> Fields { get; } =
    [
        // What to generate from.
        new("model", E.GenerationAndResponses | E.Tokenize | E.Detokenize | E.Pooling, Supported, "the served model's name, or a LoRA adapter's (serve --lora-modules: the request runs with it and is answered under its name); omitted or empty means the served model; any other is a 404"),
        new("prompt", E.Completions | E.Tokenize, Supported,
            "completions: a string, an array of token ids, or an array of up to 128 of either (n choices per prompt, prompt p's choice j at index p * n + j); tokenize: a string"),
        new("messages", E.Chat | E.Tokenize, Supported,
            "rendered with the model's chat template; each an object with a string role, content a string, null or an array of text parts (joined by newlines for a template that prints content as a string); a role the template leaves out of the prompt (Qwen's: any but system, user, assistant, tool and developer) is a 400 naming it"),
        new("tools", E.Chat | E.Tokenize, Supported, "passed to the chat template; Hermes-style tool_call tags in the output become tool_calls (streamed: id and name first, then argument fragments as they are generated)"),
        new("tool_choice", E.Chat, Supported, "\"none\"; \"auto\" (the model's own calls are parsed); \"required\" and a named function force calls by constraining the output with a JSON schema built from the tools, as vLLM does (not combinable with response_format); finish_reason is tool_calls for auto and required, the engine's for a named function, and length whenever max_tokens cut the answer short (its last call then holds the arguments written so far, streamed or not)"),
        new("parallel_tool_calls", E.Chat | E.Responses, Supported, "true (default: every call is returned) or false (only the first, as vLLM does; with tool_choice \"required\" the schema allows one)"),
        new("add_generation_prompt", E.Chat | E.Tokenize | E.Embeddings | E.Classify | E.Pool, Supported, "passed to the chat template (default true, false with continue_final_message; on embeddings' messages default false, as vLLM)"),
        new("continue_final_message", E.Chat | E.Tokenize | E.Embeddings | E.Classify | E.Pool, Supported, "the prompt ends right after the final message's text (as transformers cuts it), so the model continues that message; add_generation_prompt then defaults to false, and both true is a 400"),
        new("chat_template", E.Chat | E.Tokenize | E.Embeddings | E.Classify | E.Pool, Supported,
            "a Jinja chat template rendered instead of the served one, only where the operator trusts request templates (serve --trust-request-chat-template, Gateway:TrustRequestChatTemplate; vLLM's flag), else a 400; one that does not parse or raises is a 400"),
        new("chat_template_kwargs", E.Chat | E.Responses | E.Tokenize | E.Embeddings | E.Classify | E.Pool, Supported, "extra chat template variables"),
        new("documents", E.Chat | E.Tokenize, Supported,
            "an array of objects of strings (title, text, ...), passed to the chat template as its documents variable, as vLLM (chat_template_kwargs win over it); a template without retrieval-augmented generation, Qwen's among them, prints none of it"),
        new("add_special_tokens", E.Generation | E.Tokenize | E.Embeddings | E.Classify | E.Pool, Supported,
            "the tokenizer's BOS/EOS around the encoded prompt, as its post-processor says (Llama 3: BOS; Qwen2 adds none); default true for text prompts (completions, embeddings' and classify's text inputs, /tokenize prompt), false for chat messages (the template writes BOS)"),
        new("suffix", E.Completions, Supported,
            "fill in the middle: the text after the completion; each prompt (text or token ids, may be empty) is the prefix, and the model sees <|fim_prefix|> prefix <|fim_suffix|> suffix <|fim_middle|> (Qwen2.5-Coder's layout, as llama.cpp's /infill builds it) and writes the middle; a tokenizer without those tokens, or echo with it, is a 400 naming suffix"),
        new("echo", E.Generation, Supported,
            "completions: the prompt's text leads each choice's text (streamed: each choice's first chunk), and with logprobs its tokens lead the choice's logprobs (the first with null logprob); chat: when the final message is the assistant's, its text leads each choice's content (streamed: a chunk after the role); both as vLLM"),
        new("prompt_embeds", E.Completions, Supported,
            "vLLM's prompts as input embeddings: a base64 string of torch.save(tensor) (float32, float16 or bfloat16, [tokens, hidden_size] or [1, tokens, hidden_size]; read as data, never run), or an array of up to 128 of them (one prompt each); beside prompt, its prompts follow prompt's (choices in that order, at most 128 prompts in all), as vLLM renders both; only with serve --enable-prompt-embeds (else a 400 naming it, as vLLM); rows of another width than the model's hidden size, echo, prompt_logprobs, suffix or use_beam_search with it are a 400; penalties count the output alone; the prefix cache is shared only by the same embeddings; return_token_ids gives no prompt ids"),
        new("mm_processor_kwargs", E.Chat | E.Responses | E.Tokenize, Refused, "is not supported: the served models take text only", Absent),
        new("truncate_prompt_tokens", E.Generation | E.Pooling, Supported,
            "keep only the prompt's last k tokens (of the rendered chat prompt on chat, of each input on embeddings, of each text on score and rerank); -1 keeps as many as fit before max_tokens (embeddings, score, rerank: as the context holds; else an integer from 1); usage counts the kept tokens"),

        // How much, and how to sample.
        new("max_tokens", E.Generation, Supported, "completions: default 16, null means up to the context limit; chat: default up to the context limit"),
        new("max_completion_tokens", E.Chat, Supported, "chat's newer name for max_tokens; wins when both are sent"),
        new("min_tokens", E.GenerationAndResponses, Supported,
            "EOS, stop_token_ids and stop strings cannot end the answer before this many tokens exist"),
        new("n", E.Generation, Supported,
            "1 to 128 choices; they share the prompt's KV blocks, and with a seed choice i samples with seed + i"),
        new("best_of", E.Completions, Supported,
            "n to 128 sequences generated per prompt, of which the n with the highest cumulative logprob are returned (every generated token counts in usage); not with stream unless equal to n"),
        new("use_beam_search", E.Generation, Supported,
            "true returns the n most likely sequences of a beam search of width n (n at most 10), as vLLM's: each step extends every beam by its 2n most likely next tokens (one-token engine requests sharing the prefix cache) and keeps the n best by cumulative logprob; beams ending in EOS are complete; the n best by cumulative logprob / length^length_penalty are the choices (finish_reason stop when one ended in EOS, else length), answered together at the end (streamed too); only max_tokens, ignore_eos, length_penalty and the prompt fields apply: any other sampling or stop field set is a 400 naming it"),
        new("length_penalty", E.Generation, Supported,
            "beam search's ranking exponent: cumulative logprob / length^length_penalty, the length counting the prompt (default 1); without use_beam_search only 1 is accepted"),
        new("temperature", E.GenerationAndResponses, Supported, "default 1; 0 is greedy"),
        new("top_p", E.GenerationAndResponses, Supported, "(0, 1], default 1"),
        new("top_k", E.GenerationAndResponses, Supported, "-1 or 0 disable it"),
        new("min_p", E.GenerationAndResponses, Supported, "[0, 1], default 0"),
        new("presence_penalty", E.GenerationAndResponses, Supported, "[-2, 2], default 0"),
        new("frequency_penalty", E.GenerationAndResponses, Supported, "[-2, 2], default 0"),
        new("repetition_penalty", E.GenerationAndResponses, Supported, "> 0, default 1"),
        new("seed", E.GenerationAndResponses, Supported,
            "a signed 64-bit integer: the same seed and request sample the same tokens when the request's steps run alone; batched with other requests, a step of more tokens runs other kernels, whose sums round differently in the logits' last bits, so a draw between two nearly equal probabilities can go the other way (as in vLLM without its batch-invariant mode; greedy output changes only at such near-ties)"),
        new("logit_bias", E.GenerationAndResponses, Supported,
            "token id (as a string) → bias in [-100, 100], added to that token's logit before sampling; logprobs stay unbiased"),
        new("allowed_token_ids", E.Generation, Supported, "only these token ids can be generated; ids must be in the vocabulary"),
        new("bad_words", E.Generation, Supported, "words never generated, as vLLM bans them: each tokenized alone and after a space, its last token masked wherever the output ends with its other tokens; an empty word is a 400"),
        new("logits_processors", E.Generation, Refused, "is not supported: no custom logits processors are loaded", Absent),

        // Structured output (guided decoding).
        new("response_format", E.Generation, Supported,
            $"type text, json_object (any JSON object), json_schema ({{name, schema, strict}}: strict unless strict is false) or structural_tag ({StructuralTagNote}; {NewerStructuralTag})",
            ResponseFormatTypes),
        new("structured_outputs", E.Generation, Supported,
            $"one of json (a schema), regex, grammar (EBNF, as guided_grammar), choice, json_object or structural_tag (response_format's structural_tag object, either form, as a JSON string)"),
        new("guided_json", E.Generation, Supported, "a JSON schema (object or string), served strictly; an unsupported keyword is a 400 naming it"),
        new("guided_regex", E.Generation, Supported, "the whole output matches the regex; lookaround, backreferences and the like are a 400"),
        new("guided_choice", E.Generation, Supported, "the output is exactly one of the strings"),
        new("guided_grammar", E.Generation, Supported,
            "a context-free grammar in EBNF, as vLLM's (xgrammar's, and llama.cpp's GBNF): rules name ::= body, the start rule root; strings, [classes], ., groups, | and * + ? {m,n}; # comments; the output is a sentence of it; a grammar that does not parse, uses an undefined rule or is left-recursive is a 400 naming the field"),
        new("guided_decoding_backend", E.Generation, NoEffect,
            "one grammar engine (xgrammar's design, in C#) serves every request, whatever backend is named", AnyString("guided_decoding_backend")),
        new("guided_whitespace_pattern", E.Generation, Supported,
            "with JSON output only (json_schema, json_object, guided_json, or the calls chat's tool_choice required or a named function forces): a regex for what may stand between JSON tokens (\"\" for compact JSON); default up to 16 spaces, tabs or newlines; an unsupported regex feature is a 400 naming it"),
        new("structural_tag", E.Generation, Supported,
            $"vLLM's older spelling of structured_outputs.structural_tag: a JSON string of {{structures, triggers}} or {{type: structural_tag, format}}, as response_format's structural_tag"),

        // When to stop.
        new("stop", E.GenerationAndResponses, Supported, "a string or an array of strings; the matched one is the choice's stop_reason"),
        new("stop_token_ids", E.GenerationAndResponses, Supported, "ids that end the answer like EOS; the id's text is left out of the answer, as vLLM (include_stop_str_in_output keeps it)"),
        new("ignore_eos", E.GenerationAndResponses, Supported, "keep generating past EOS"),
        new("include_stop_str_in_output", E.GenerationAndResponses, Supported, "keep the matched stop string in the text (and the text of the stop id or EOS that ended the answer, which is otherwise left out, as vLLM)"),

        // What comes back.
        new("stream", E.Generation, Supported, "server-sent events, ending with data: [DONE]"),
        new("stream_options", E.Generation, Supported,
            "only with stream true (else a 400, as OpenAI); include_usage adds a last chunk with usage; with it, continuous_usage_stats puts each chunk's choice's usage so far in that chunk (as vLLM)",
            Keys: ["include_usage", "continuous_usage_stats"]),
        new("logprobs", E.Generation, Supported, "completions: 0 to 20 alternatives per token; chat: true or false"),
        new("top_logprobs", E.Chat, Supported, "0 to 20 alternatives per token; needs logprobs true"),
        new("prompt_logprobs", E.Generation, Supported,
            "0 to 20: each prompt token's logprob and rank (the first token's entry is null) plus that many alternatives, as vLLM's prompt_logprobs on each completions choice and on the chat response; the whole prompt is computed (no prefix-cache hits); not with stream above 0"),
        new("return_tokens_as_token_ids", E.Generation, Supported, "logprobs (and prompt_logprobs' decoded_token) name each token \"token_id:{id}\" instead of its text, as vLLM"),
        new("include_reasoning", E.Chat, Supported,
            "with a reasoning parser (serve --reasoning-parser, Gateway:ReasoningParser), false leaves the <think> block it splits off out of the answer (default true); with none, answers hold no separate reasoning to leave out"),
        new("return_token_ids", E.Generation, Supported,
            "as vLLM: completions: each choice's prompt_token_ids and token_ids; chat: the response's prompt_token_ids and each choice's token_ids; streamed, the prompt's ids in the first chunk (completions: each choice's first) and each chunk's new ids, which put together are every generated token"),
        new("skip_special_tokens", E.GenerationAndResponses, Supported, "drop special tokens from the text (default true)"),
        new("spaces_between_special_tokens", E.Generation, NoEffect,
            "a byte-level BPE tokenizer puts no spaces between tokens either way (as vLLM with a fast tokenizer)",
            AnyBool("spaces_between_special_tokens")),
        new("return_token_strs", E.Tokenize, Supported, "true adds token_strs, each id's token as Hugging Face's convert_ids_to_tokens spells it (\"Ġworld\" for \" world\"), as vLLM"),
        new("tokens", E.Detokenize, Supported, "token ids, each within the vocabulary; special tokens are kept in the text"),

        // Scheduling and serving.
        new("priority", E.GenerationAndResponses | E.Pooling, Supported, "lower is served earlier when the scheduler's policy is priority"),
        new("request_id", E.GenerationAndResponses | E.Pooling, Supported,
            "names the request, as vLLM: the response's id is cmpl-, chatcmpl-, resp-, embd-, score- or rerank- and it (a completions request's later prompts run as id-1, id-2, ...; an embeddings request's input i runs as embd-id-i, the first too; a score or rerank request's k-th distinct text as score-id-k or rerank-id-k), and the scheduler runs it under that id; 1 to 256 characters; one a running request holds is a 409 naming request_id"),
        new("cache_salt", E.GenerationAndResponses | E.Embeddings | E.Classify | E.Pool, Supported,
            "a non-empty string mixed into the hash of the prompt's first KV block, as vLLM: cached prefixes are shared only by requests with the same salt (so one tenant cannot probe another's prompts by their speed)"),
        new("kv_transfer_params", E.Generation, Refused, "is not supported: there is no disaggregated prefill", Absent),
        new("vllm_xargs", E.GenerationAndResponses, Refused, "is not supported: no extensions read it", Absent),

        // OpenAI fields with no counterpart here.
        new("user", E.GenerationAndResponses | E.Pooling, NoEffect, "an end-user id for abuse monitoring; not used (as in vLLM)", AnyString("user")),
        new("metadata", E.Chat, NoEffect, "not stored or used", AnyObject("metadata")),
        new("store", E.Chat, NoEffect, "nothing is stored", AnyBool("store")),
        new("service_tier", E.Chat | E.Responses, NoEffect, "there is one tier", AnyString("service_tier")),
        new("prompt_cache_key", E.Chat | E.Responses, NoEffect, "the prefix cache finds shared prefixes by itself", AnyString("prompt_cache_key")),
        new("safety_identifier", E.Chat | E.Responses, NoEffect, "not used", AnyString("safety_identifier")),
        new("prediction", E.Chat, Supported, "OpenAI's Predicted Outputs: {type: content, content: a string or text parts}; its tokens are drafted for speculative decoding (up to --speculative-config's num_speculative_tokens, else 4 a step) wherever the answer so far lines up with them, so an answer that repeats it takes fewer steps; the tokens are exactly those of decoding without it; usage.completion_tokens_details counts accepted_prediction_tokens and rejected_prediction_tokens; not with use_beam_search"),
        new("modalities", E.Chat, Supported, $"[\"text\"]; audio output {NotYet}", TextModalities),
        new("audio", E.Chat, Refused, $"{NotYet}: the served models answer in text", Absent),
        new("functions", E.Chat, Refused, "is not supported: use tools", Absent),
        new("function_call", E.Chat, Refused, "is not supported: use tool_choice", Absent),
        new("reasoning_effort", E.Chat, Refused, $"{NotYet}: no chat template served here takes an effort (Qwen3 thinks, or not, by chat_template_kwargs enable_thinking)", Absent),
        new("verbosity", E.Chat, Refused, $"{NotYet}", Absent),
        new("web_search_options", E.Chat, Refused, "is not supported: there is no web search", Absent),

        // The Responses API (POST /v1/responses), where its fields differ from chat's: each request runs as a chat
        // completion (the fields above marked responses pass on as they are), its answer returned as output items.
        new("input", E.Responses, Supported,
            "a string (one user message) or an array of items: messages (role user, assistant, system or developer; content a string or input_text/output_text/refusal parts), function_call and function_call_output items (a tool round trip), reasoning items; image, file and audio parts and other item types are a 400 naming the item"),
        new("instructions", E.Responses, Supported, "a system message ahead of the input; not carried over to a response that names this one as previous_response_id, as OpenAI"),
        new("previous_response_id", E.Responses, Supported,
            "continues a stored response: its input and output (not its instructions) come before this input; an id not stored (or stored with store false, or forgotten) is a 404"),
        new("store", E.Responses, Supported,
            "default true: the response is kept in the gateway's memory (its most recent 1,000 responses and 64 MiB at most) for GET and DELETE /v1/responses/{id} and previous_response_id; false keeps nothing"),
        new("max_output_tokens", E.Responses, Supported, "default up to the context limit; a response cut by it has status incomplete (reason max_output_tokens)"),
        new("text", E.Responses, Supported,
            "format: {type: text}, {type: json_object} or {type: json_schema, name, schema, strict} (strict unless strict is false), as chat's response_format; verbosity is a 400", ResponsesFieldChecks.TextWithoutVerbosity,
            ["format", "verbosity"]),
        new("tools", E.Responses, Supported,
            "function tools ({type: function, name, description, parameters, strict}), passed to the chat template; the model's Hermes-style calls come back as function_call items; other tool types (web search, file search, MCP, ...) are a 400 naming the tool"),
        new("tool_choice", E.Responses, Supported,
            "\"none\", \"auto\", \"required\" or {type: function, name}, served as chat's tool_choice (required and a named function constrain the output to calls, not combinable with text.format json)"),
        new("top_logprobs", E.Responses, Supported, "0 to 20 alternatives per output token, in each output_text part's logprobs (which it asks for, as include message.output_text.logprobs does)"),
        new("include", E.Responses, Supported,
            "\"message.output_text.logprobs\" (each output_text part's logprobs); any other value names output this server never produces and is a 400", ResponsesFieldChecks.IncludeLogprobsOnly),
        new("reasoning", E.Responses, Supported,
            "an object whose effort and summary are null: no chat template served here takes an effort (Qwen3 thinks, or not, by chat_template_kwargs enable_thinking) and no summaries are written; with a reasoning parser the <think> block comes back as a reasoning item", ResponsesFieldChecks.ReasoningWithoutEffort,
            ["effort", "summary", "generate_summary"]),
        new("truncation", E.Responses, Supported,
            "\"disabled\" (default: a prompt over the context limit is a 400) or \"auto\": the oldest messages after the instructions (a tool call with its answers) are left out of the prompt until it and max_output_tokens fit max_model_len; the last message always stays, and the stored conversation keeps them all"),
        new("stream", E.Responses, Supported,
            "server-sent events, as OpenAI names them, each with its sequence_number: response.created, response.in_progress, output_item.added/done, content_part.added/done, output_text.delta/done, reasoning_text.delta/done, function_call_arguments.delta/done, then response.completed (or response.incomplete); with background, the background run's events (see background)"),
        new("stream_options", E.Responses, NoEffect, "only with stream true (else a 400); include_obfuscation: no obfuscation padding is added either way", ResponsesFieldChecks.StreamOptionsWithStream,
            ["include_obfuscation"]),
        new("metadata", E.Responses, Supported, "an object of at most 16 string values (keys up to 64 characters, values up to 512), as OpenAI's; echoed in the response and kept with it when stored"),
        new("max_tool_calls", E.Responses, NoEffect, "limits built-in tool calls; this server has none", AnyInt("max_tool_calls")),
        new("prompt_cache_retention", E.Responses, NoEffect, "the prefix cache keeps blocks while memory allows", AnyString("prompt_cache_retention")),
        new("background", E.Responses, Supported,
            "true answers at once with the response queued and runs it after the request returns: GET /v1/responses/{id} polls it (queued, in_progress, then completed, incomplete, failed with its error, or cancelled), POST /v1/responses/{id}/cancel stops it; needs store true. With stream true the request answers with the run's events (response.created and response.queued, then a stream's, ending with response.completed, response.incomplete, response.failed or response.cancelled), which a client that leaves does not stop: GET /v1/responses/{id}?stream=true&starting_after=N streams them again, those after sequence_number N, then live to the end, while the response is stored"),
        new("conversation", E.Responses, Supported,
            "a conversation's id (a string, or an object with its id) from POST /v1/conversations, kept in the gateway's memory (the least recently used of 1,000 forgotten first, then a 404): its items come before the input, and a completed or incomplete response adds its input items, then its output items, to it; not with previous_response_id (a 400)"),
        new("prompt", E.Responses, Refused, "is not supported: there are no stored prompt templates; send input", Absent),

        // The embeddings API (POST /v1/embeddings): each input is embedded by the scheduler's Embed (the served model's
        // last-token pooling); the rows above marked embeddings apply to every input.
        new("input", E.Embeddings, Supported,
            $"a string, an array of strings, an array of token ids, or an array of token-id arrays: 1 to {EmbeddingInputs.MaxInputs} inputs, none empty, all of one kind; each is embedded on its own (at most {EmbeddingBatch.MaxInFlight} at a time per request) and data[i] answers input i; the first input that fails fails the request (the others are cancelled), a 400 naming input (input[i] in the message)"),
        new("encoding_format", E.Embeddings | E.Pool, Supported,
            "\"float\" (default: arrays of numbers) or \"base64\" (each embedding's float32 values, little-endian, base64-encoded, as OpenAI's SDKs ask by default and decode)",
            OneOf("encoding_format", ["float", "base64"], [])),
        new("dimensions", E.Embeddings | E.Pool, Supported,
            "an integer from 1: keep the embedding's first values (before normalizing), only for a matryoshka model (config.json is_matryoshka or matryoshka_dimensions, whose lengths alone are allowed); for any other model a 400 naming it"),
        new("normalize", E.Embeddings, Supported,
            "L2-normalize each embedding; default the model's (true when its sentence-transformers modules list Normalize or it has no sentence-transformers config, as vLLM)"),
        new("embed_dtype", E.Embeddings | E.Pool, Supported,
            "with encoding_format base64, the type of each value: \"float32\" (default), \"float16\", \"bfloat16\", \"fp8_e4m3\" (torch.float8_e4m3fn) or \"fp8_e5m2\" (torch.float8_e5m2), rounded to nearest even bit for bit as torch casts; float answers are float32 whatever it says, as vLLM's",
            OneOf("embed_dtype", ["float32", "float16", "bfloat16", "fp8_e4m3", "fp8_e5m2"], [])),
        new("endianness", E.Embeddings | E.Pool, Supported,
            "with encoding_format base64, the byte order: \"native\" (default) or \"little\" (little-endian, the order of every machine this runs on) or \"big\"",
            OneOf("endianness", ["native", "little", "big"], [])),
        new("messages", E.Embeddings | E.Classify | E.Pool, Supported,
            "vLLM's chat-style input, instead of input: one prompt, the messages rendered with the chat template (checked as chat's are; add_generation_prompt and add_special_tokens default false), embedded (classify: classified) as one input"),
        new("tools", E.Embeddings | E.Classify | E.Pool, Supported, "with messages: passed to the chat template, as chat's are"),
        new("documents", E.Embeddings | E.Classify | E.Pool, Supported, "with messages: passed to the chat template as its documents variable, as chat's are"),

        // vLLM's score and rerank APIs (POST /score and /v1/score; /rerank, /v1/rerank and /v2/rerank), served as vLLM
        // serves them for an embedding model: a score is the cosine similarity of two texts' embeddings. Each distinct
        // text of a request is embedded once, by the scheduler's Embed as an embeddings input is (the model's default
        // normalization, as many at a time, the first failure failing the request); usage counts its tokens once.
        new("text_1", E.Score, Supported,
            "a string or a non-empty array of strings, none empty: one text (or a one-item array) is scored against every text_2, data[j] the pair with text_2[j]; otherwise text_1[i] is scored against text_2[i], data[i], the arrays of one length (else a 400 naming text_2); a text the scheduler refuses is a 400 naming its field (text_1[i] in the message); with a cross-encoder (a one-label classifier) each pair's text_1 + text_2, special tokens parsed as a tokenizer call parses them, is one prompt, as vLLM joins them for an LLM reranker"),
        new("text_2", E.Score, Supported, "a string or a non-empty array of strings, none empty: what text_1 is scored against"),
        new("query", E.Rerank, Supported, "a non-empty string, embedded once; a document's relevance_score is the cosine similarity of its embedding and the query's (with a cross-encoder: the score of the text query + document)"),
        new("documents", E.Rerank, Supported,
            "a non-empty array of non-empty strings, or of objects with a string text (as Jina's and Cohere's clients send them); results lists them by relevance_score, highest first (ties: the lower index first), each with its index and text"),
        new("top_n", E.Rerank, Supported, "an integer from 0: only the top_n most relevant documents are answered; 0 (default) or more than there are answers all"),

        // A sequence-classification model (Qwen2ForSequenceClassification, Qwen3-Reranker with --hf-overrides): classify
        // answers each input's class probabilities, and score and rerank run each pair through it as a cross-encoder.
        new("input", E.Classify | E.Pool, Supported,
            $"as embeddings' input (a string, strings, token ids, or token-id arrays; 1 to {EmbeddingInputs.MaxInputs}): data[i] answers input i (classify: its probs over the model's labels, label the most probable of config.json's id2label, and num_classes; pooling: its pooled output as data)"),
        new("use_activation", E.Classify | E.Score | E.Rerank | E.Pool, Supported,
            "classify and pooling's classify task: true (default) answers probs through the model's activation (softmax over the classes; sigmoid for one class or problem_type multi_label_classification; none for regression), false the raw logits; score and rerank with a cross-encoder: the pair's score through its activation (sigmoid unless its sentence-transformers config says otherwise) or raw; with an embedding model no effect (a cosine similarity); pooling's embed task: normalize (default the model's), as vLLM's"),
        new("task", E.Pool, Supported,
            "\"embed\" (an embedding model's embedding, as /v1/embeddings answers it) or \"classify\" (a classifier's class probabilities, as /classify answers them); default the served model's own; the other one, or a per-token task (token_embed, token_classify), is a 400 naming it",
            OneOf("task", ["embed", "classify"], ["token_embed", "token_classify", "score", "plugin"])),
        new("normalize", E.Pool, Refused, "is not supported on /pooling: use use_activation, as vLLM", Absent),
    ];

    /// <summary>
    /// Refuses the request with a 400 naming the first field whose value this gateway does not (yet) honour, then
    /// reports the fields the endpoint does not have (<see cref="Ignored"/>) to the request's sink, as vLLM logs
    /// "The following fields were present in the request but ignored".
    /// </summary>
    public static void Enforce(RequestFields fields, ApiEndpoints endpoint)
    {
        foreach (var field in Fields)
        {
            if ((field.Endpoints & endpoint) == 0 || field.Accepts is not { } accepts || fields.Raw(field.Name) is null)
            {
                continue;
            }

            if (!accepts(fields))
            {
                throw ApiException.BadRequest($"{field.Name} {Refusal(field)}.", field.Name);
            }
        }

        fields.ReportIgnored(Ignored(fields, endpoint));
    }

    /// <summary>
    /// The request's fields that no row lists for <paramref name="endpoint"/>: unknown there, so ignored; then the keys
    /// of its object fields that their row's <see cref="ApiField.Keys"/> leaves out, as <c>field.key</c>.
    /// </summary>
    public static IReadOnlyList<string> Ignored(RequestFields fields, ApiEndpoints endpoint)
    {
        var known = KnownNames(endpoint);
        var ignored = fields.Names.Where(name => !known.Contains(name)).ToList();
        foreach (var field in Fields)
        {
            if ((field.Endpoints & endpoint) != 0 && field.Keys is { } keys && fields.Raw(field.Name) is { ValueKind: JsonValueKind.Object } value)
            {
                ignored.AddRange(value.EnumerateObject().Select(p => p.Name).Where(key => !keys.Contains(key)).Select(key => $"{field.Name}.{key}"));
            }
        }

        return ignored;
    }

    private static readonly ConcurrentDictionary<ApiEndpoints, FrozenSet<string>> _knownNames = new();

    private static FrozenSet<string> KnownNames(ApiEndpoints endpoint) =>
        _knownNames.GetOrAdd(endpoint, e => Fields.Where(field => (field.Endpoints & e) != 0).Select(field => field.Name).ToFrozenSet(StringComparer.Ordinal));

    private static string Refusal(ApiField field) =>
        field.Support == Refused ? field.Note : $"accepts only {field.Note}";
}
