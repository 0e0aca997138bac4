namespace Inference.Cli.CommandLine;

public static class Usage
{
    public const string Text = """
        usage: inference <command> [options]

        make-model --out DIR [--arch qwen2|qwen3|llama|qwen3_moe|qwen2_moe] [--preset tiny|small|qwen2.5-0.5b] [--seed N]
                   [--hidden-size N] [--intermediate-size N] [--num-hidden-layers N] [--num-attention-heads N]
                   [--num-key-value-heads N] [--head-dim N] [--vocab-size N] [--tie|--untied]
                   [--max-position-embeddings N] [--rope-scaling yarn:FACTOR|llama3:FACTOR] [--dtype bf16|f16]
                   [--shards N] [--sentence-transformers [--pooling MODE] [--dense N]]
                   [--labels NAME,NAME... | --num-labels N] [--num-experts N] [--num-experts-per-tok K]
                   [--moe-intermediate-size N] [--shared-expert-intermediate-size N] [--decoder-sparse-step N]
                   [--mlp-only-layers L,L...]
            Writes a deterministic random-weight checkpoint in the Hugging Face layout (config.json with the
            architecture's transformers field names, generation_config.json, model.safetensors or N shards with
            model.safetensors.index.json, tokenizer files), per fixtures/RANDOM_MODEL.md. --arch (default qwen2):
            qwen2 = Qwen2ForCausalLM with the Qwen2.5 tokenizer; qwen3 = Qwen3ForCausalLM (q/k norms, head_dim)
            with the Qwen3 tokenizer; llama = LlamaForCausalLM with the Qwen2.5 tokenizer files, so its bos/eos ids
            are that vocabulary's (<|endoftext|> 151643, <|im_end|> 151645), not Llama 3's; qwen3_moe =
            Qwen3MoeForCausalLM (qwen3's attention, a mixture of experts in each sparse layer's MLP, renormalized
            top-k) and qwen2_moe = Qwen2MoeForCausalLM (qwen2's attention, experts plus a shared expert): by default
            8 experts, 2 per token, each a quarter of --intermediate-size wide (qwen2_moe's shared one as wide as
            it), every layer sparse; the expert options change that.
            --max-position-embeddings is the pretrained context (default qwen2 32768, qwen3 40960, llama 8192);
            yarn:F adds rope_scaling as the Qwen2.5 model card does (original = that context), llama3:F as
            Llama 3.1 does (low/high_freq_factor 1/4, max_position_embeddings = context x F).
            --sentence-transformers lays it out as an embedding model the way Qwen3-Embedding ships:
            modules.json with last-token Pooling and Normalize, a tokenizer that appends <|endoftext|>, and
            is_matryoshka in config.json. --pooling last|cls|mean|max|mean-sqrt-len|weighted-mean sets the Pooling
            module's mode instead; --dense N adds a Dense module (hidden_size -> N, identity activation, random fp32
            weights and bias in 2_Dense/model.safetensors) between Pooling and Normalize, as stella_en_1.5B_v5 ships.
            --labels (class names) or --num-labels N (LABEL_0 ...) write a sequence classifier instead:
            architectures Qwen2ForSequenceClassification (or the --arch's), id2label and label2id in config.json,
            and a random score.weight [labels, hidden] in place of lm_head.weight, as transformers saves one.

        make-lora --model DIR --out DIR [--rank 8] [--alpha 16] [--rslora]
                  [--targets q_proj,k_proj,v_proj,o_proj,gate_proj,up_proj,down_proj|all-linear] [--dtype bf16|f16|f32]
                  [--seed N] [--base-model-name NAME]
            Writes a deterministic random PEFT LoRA adapter for the base checkpoint folder --model, as PEFT saves
            one: adapter_config.json (r, lora_alpha, use_rslora, target_modules, base_model_name_or_path: NAME,
            default --model as given) and adapter_model.safetensors with lora_A [r, in] and lora_B [out, r] for
            every layer and target (default all-linear: all seven). Its deltas are about 0.15 per element
            (scale * B A x for a unit input), enough to change greedy outputs.
            Use it with generate --lora DIR, serve --lora-modules NAME=DIR, or a worker's Worker:LoraModules (NAME=DIR).

        generate --model DIR|ORG/NAME[@REV] (--prompt TEXT | --prompt-ids 1,2,3 | --prompt-embeds FILE)... [--max-tokens N] [--temperature T]
                 [--top-p P] [--top-k K] [--seed N] [--ignore-eos] [--chat] [--chat-template FILE|TEMPLATE]
                 [--chat-template-kwargs JSON] [--lora DIR] [--speculative-config JSON]
                 [--logprobs N] [--prompt-logits N] [--kv-cache-mib N] [--kv-cache-dtype auto|bfloat16] [--threads N]
                 [--quantization none|q8_0] [--json-schema JSON | --regex PATTERN | --grammar EBNF|FILE | --choice TEXT...]
                 [--suffix TEXT] [--prediction TEXT] [--hf-overrides JSON]
            Offline batch inference in process; one JSON line per prompt on stdout.
            --model is a folder, or a Hugging Face repository id found in the hub cache (HF_HUB_CACHE, else
            $HF_HOME/hub, else ~/.cache/huggingface/hub) or downloaded into it from HF_ENDPOINT with HF_TOKEN
            (never with HF_HUB_OFFLINE=1); the same for serve, bench-tokenizer, bench-model, bench and convert-gguf.
            --temperature defaults to 0 (greedy). --top-p and --top-k, when not given, take the model's
            generation_config.json values as vLLM does (else 1 and all tokens).
            --json-schema, --regex, --grammar (EBNF as guided_grammar: the grammar, or a file holding it) and
            --choice (repeated) constrain the output as the API's structured output
            (response_format json_schema, guided_regex, guided_choice) does.
            --chat renders each --prompt as a user message through the model's chat template (or
            --chat-template's, a .jinja file or the template itself, as serve takes it);
            --chat-template-kwargs adds template variables as vLLM's chat_template_kwargs does, for example
            '{"enable_thinking": false}' for Qwen3 without thinking.
            --lora runs every prompt with that PEFT LoRA adapter (adapter_config.json, adapter_model.safetensors;
            named by its folder) on the base model, in any weight format, --quantization q8_0 included.
            --prompt-logits N adds the top N raw logits at each prompt's last position.
            --suffix fills in the middle between each prompt and TEXT, as the completions API's suffix
            (<|fim_prefix|> prompt <|fim_suffix|> TEXT <|fim_middle|>). --prediction drafts TEXT's tokens for
            speculative decoding where the answer lines up with them, as chat's prediction (Predicted Outputs):
            the same answer, in fewer steps when it repeats TEXT; the line adds accepted_prediction_tokens and
            rejected_prediction_tokens.
            --quantization q8_0 (also for serve and bench-model) quantizes every weight matrix at load into
            llama.cpp's Q8_0 blocks (32 int8 with one fp16 scale); default none keeps the checkpoint's BF16/fp32.
            --kv-cache-dtype bfloat16 (also for embed, classify, serve and bench-model; vLLM's flag) stores the
            KV cache in bfloat16: twice the tokens in --kv-cache-mib and half the bytes decode attention reads,
            at 8 bits of mantissa per cached element; default auto is float32 here (the precision the worker
            computes in), not the model's dtype as in vLLM. vLLM's fp8 kinds are refused.
            The kernels' instruction-set path is AVX-512 where the CPU has it, AVX2 otherwise;
            INFERENCE_CPU_ISA=avx2|avx512 overrides it. --hf-overrides as serve's (also for embed and classify).
            --prompt-embeds FILE is a prompt given as input embeddings, as completions' prompt_embeds: a file
            torch.save wrote of a [tokens, hidden_size] tensor (float32, float16 or bfloat16), read as data.

        embed --model DIR|ORG/NAME[@REV] (--prompt TEXT | --prompt-ids 1,2,3)... [--dimensions N] [--no-normalize]
              [--kv-cache-mib N] [--kv-cache-dtype auto|bfloat16] [--threads N] [--quantization none|q8_0] [--lora DIR]
              [--pooler-config JSON] [--hf-overrides JSON]
            Offline embeddings in process (the engine's Embed API, as /v1/embeddings): each prompt's final-normed
            hidden states pooled as the model's sentence-transformers config says (its last token's by default),
            through its Dense modules if any, L2-normalized unless the config leaves out Normalize or
            --no-normalize is given; one JSON line per prompt on stdout
            ({"index", "prompt_tokens", "embedding"}). Text is encoded with the tokenizer's special tokens
            (an embedding model's tokenizer.json may append its EOS). --dimensions keeps the first N values
            (matryoshka models only: config.json is_matryoshka or matryoshka_dimensions). --lora embeds with
            that PEFT LoRA adapter, as generate's. --pooler-config as serve's.

        classify --model DIR|ORG/NAME[@REV] (--prompt TEXT | --prompt-ids 1,2,3)... [--no-activation]
                 [--kv-cache-mib N] [--kv-cache-dtype auto|bfloat16] [--threads N] [--quantization none|q8_0] [--lora DIR]
                 [--pooler-config JSON] [--hf-overrides JSON]
            Offline classification in process with a sequence classifier (*ForSequenceClassification, or a
            causal LM converted with --hf-overrides, as serve's), as /classify answers: one JSON line per prompt
            on stdout ({"index", "prompt_tokens", "label", "probs"}), probs through the model's activation
            (softmax over its classes; sigmoid for one) or, with --no-activation, the raw logits.

        serve [--model DIR|ORG/NAME[@REV]] [--served-model-name NAME] [--port N] [--kv-cache-mib N]
              [--kv-cache-dtype auto|bfloat16] [--workers N] [--threads-per-worker N] [--max-concurrent-requests N]
              [--quantization none|q8_0] [--reasoning-parser qwen3|deepseek_r1] [--api-key KEY] [--max-model-len N]
              [--max-num-seqs N] [--max-num-batched-tokens N] [--no-enable-prefix-caching] [--chat-template FILE|TEMPLATE]
              [--host ADDRESS] [--enable-auto-tool-choice] [--tool-call-parser hermes] [--block-size N]
              [--tensor-parallel-size 1] [--trust-remote-code] [--disable-log-stats] [--trust-request-chat-template]
              [--enable-lora] [--lora-modules NAME=DIR|{"name":..,"path":..}...] [--max-lora-rank N] [--max-loras N]
              [--speculative-config JSON] [--pooler-config JSON] [--hf-overrides JSON] [--enable-prompt-embeds]
            Starts the tokenizer, --workers npu-workers (default 1, each on its own loopback port), the scheduler
            and the openai-gateway as local processes and serves the OpenAI API on http://127.0.0.1:PORT
            (default 8000; 0 takes any free port; --host 0.0.0.0 listens on every interface, as vLLM's
            default does, for clients on other machines) until interrupted. With no --model it generates and serves
            the tiny random checkpoint.
            --served-model-name is the name /v1/models reports and requests use (default: the repository id, or
            the folder's name).
            --reasoning-parser moves each chat answer's <think> block into message.reasoning (and
            reasoning_content) as vLLM's flag does: qwen3 where the answer opens with <think> (Qwen3 thinking),
            deepseek_r1 from the answer's start up to </think> (templates that open the block in the prompt).
            --api-key makes every /v1 request carry "Authorization: Bearer KEY" (401 otherwise), as vLLM's.
            --max-model-len (longest prompt plus output; default the model's, capped by the KV cache),
            --max-num-seqs (default 64) and --max-num-batched-tokens (default 2048) are the scheduler's
            limits, as vLLM's flags of those names; --no-enable-prefix-caching turns its prefix cache off
            (--enable-prefix-caching, the default, keeps it). --chat-template replaces the model's chat
            template (a .jinja file, or the template itself), as vLLM's flag; generate takes it too.
            --trust-request-chat-template lets a request bring its own chat_template (refused otherwise), as
            vLLM's flag: a template is code the tokenizer runs, so turn it on only for clients you trust.
            --lora-modules serves each PEFT LoRA adapter folder (adapter_config.json, adapter_model.safetensors)
            beside the model under its own name, as vLLM's: /v1/models lists it (parent: the served model) and a
            request whose model is that name generates with it; every worker loads every adapter. --enable-lora is
            accepted as vLLM asks for it; the adapters listed are what enables LoRA. --max-lora-rank refuses an
            adapter of a higher rank, as vLLM's (unset: any rank); --max-loras N lets at most N distinct adapters
            run on a worker at a time, as vLLM's (unset: no limit). With VLLM_ALLOW_RUNTIME_LORA_UPDATING=true in
            the environment, POST /v1/load_lora_adapter {"lora_name","lora_path"} and /v1/unload_lora_adapter
            {"lora_name"} load and unload adapters while serving, as vLLM's; VLLM_LORA_RESOLVER_CACHE_DIR=DIR
            as well loads the adapter folder DIR/X when a request names model X (vLLM's LoRA filesystem
            resolver: its adapter_config.json must name the served model as base_model_name_or_path).
            --speculative-config '{"method": "ngram", "num_speculative_tokens": 4, "prompt_lookup_max": 4}' is
            vLLM's n-gram speculative decoding: requests decode up to 1 + num_speculative_tokens tokens a
            step where their text repeats itself, the tokens exactly those of decoding one at a time
            (also prompt_lookup_min, disable_by_batch_size; generate takes it too).
            --pooler-config '{"pooling_type": "MEAN", "normalize": false}' is vLLM's flag (also under its older
            name --override-pooler-config): how embeddings pool, over what the model folder says;
            pooling_type LAST, CLS or MEAN, normalize the default for requests that leave it unset; other
            fields are refused.
            --hf-overrides JSON replaces config.json's top-level fields before the workers read it, as vLLM's
            flag; a sequence classifier (*ForSequenceClassification) serves /classify, and with one label /score
            and /rerank as a cross-encoder. Qwen3-Reranker runs as one with '{"architectures":
            ["Qwen3ForSequenceClassification"], "classifier_from_token": ["no", "yes"],
            "is_original_qwen3_reranker": true}' (its head: the LM head's "yes" row minus its "no" row).
            --enable-prompt-embeds takes completions' prompt_embeds (a prompt as input embeddings: base64 of
            torch.save of a [tokens, hidden_size] tensor), as vLLM's flag; without it they are refused.
            --enable-auto-tool-choice and --tool-call-parser hermes are accepted as vLLM's command lines give
            them: Hermes-style tool calls are always parsed when a request offers tools (tool_choice auto).
            --block-size is tokens per KV cache block (default 16); --disable-log-stats turns the
            scheduler's periodic throughput line off. --tensor-parallel-size takes only 1 (a
            worker is one device) and --trust-remote-code changes nothing (no model code is ever run); both are
            accepted so vLLM command lines run; --gpu-memory-utilization is refused pointing at --kv-cache-mib.
            Option names may use underscores and --name=value, as vLLM's (--max_model_len=1024).
            --kv-cache-mib is each worker's KV cache, --kv-cache-dtype its element type (as generate's);
            --threads-per-worker defaults to the processors split evenly between the workers (at least 1 each);
            --max-concurrent-requests bounds the scheduler's queued plus running requests. Prints "worker I: pid P,
            URL" on stdout for each worker once it listens and again after every restart, and the "OpenAI API: ..."
            line once /health answers 200. A service that exits after that is restarted (0.5 s backoff doubling
            to 10 s), with one log line on stderr; one that exits during start-up stops serve. Ctrl+C or SIGTERM
            stops every service.

        bench-tokenizer [--model DIR|ORG/NAME[@REV]] [--seconds S]
            Measures encode, decode and streaming-detokenize tokens/s on one thread over mixed text.

        bench-model --model DIR|ORG/NAME[@REV] [--prompt-tokens N] [--decode-tokens N] [--batch 1,16] [--threads N] [--repeat N]
                    [--quantization none|q8_0] [--kv-cache-dtype auto|bfloat16]
                    [--json-schema JSON | --regex PATTERN | --grammar EBNF|FILE | --choice TEXT...] [--lora DIR] [--profile]
            Measures the model runner's prefill and decode tokens/s in process, per batch size (fastest of N rounds).
            With a structured output, each batch size runs again with every sequence constrained by it; with --lora,
            again with every sequence under that PEFT LoRA adapter. --profile then runs N decode rounds per batch size
            with every op timed, each right after a read-bandwidth window: the step and its matmuls against the
            window, the other ops, sampling and the rest, and the fastest round op by op (each matrix's GB/s).

        bench [--model DIR|ORG/NAME[@REV] | --preset tiny|small|qwen2.5-0.5b] [--prompt-tokens N] [--steps N]
              [--threads N] [--repeat N] [--quick] [--no-serve] [--only e2e] [--json FILE] [--work-dir DIR]
            Measures our engine and llama.cpp (LLamaSharp.Backend.Cpu) side by side on one checkpoint, in one run:
            prefill tokens/s of one --prompt-tokens prompt (default 128), decode tokens/s of 1 and of 16 concurrent
            sequences over --steps greedy steps (default 32), and for ours also 16 concurrent streaming requests end
            to end through serve's processes. Ours runs the checkpoint as it is; llama.cpp runs its GGUF written by
            convert-gguf (F16) and llama.cpp's own Q8_0 of that. It measures the machine's read bandwidth (2 MiB
            pages where granted; 0.5 s windows at the start, around each round of 1-sequence turns and at the end, the best
            counting) and fp32 FMA peak and reports each figure against them, with the CPU model and each engine's
            instruction sets. Without --model it writes the random --preset checkpoint (default qwen2.5-0.5b, the real sizes);
            checkpoints and GGUF files are kept in --work-dir (default ~/.cache/dotnet-llm-serving/bench) and remade
            only when older than their source. --quick: 32-token prompts, 8 steps, the small preset. --repeat N
            keeps the fastest of N rounds per figure; all engines are loaded first and take turns round by round, in an
            order rotated each round, so a slow minute on a shared host falls on all of them. End to end, each round of streams is followed by an
            in-process round of the same 16 sequences, and e2e16 is set against those. Progress on stderr, the table
            on stdout; --json writes a list with one object per engine and format (engine, format, prefill_tps,
            decode1_tps, decode16_tps, e2e16_tps and e2e16_in_process_tps for ours, and the fractions of the
            machine's limits). --only e2e: ours in process and end to
            end only (no Q8_0, no llama.cpp), printing for each end-to-end round the time per step in and outside the
            worker and the CPU each process used.

        convert-gguf --model DIR|ORG/NAME[@REV] --out FILE [--type f16|f32|bf16|q8_0|q6_k|q5_k_m|q4_k_m|q5_0|q4_0]
                     [--threads N]
            Writes a Hugging Face checkpoint (Qwen2ForCausalLM, Qwen3ForCausalLM, LlamaForCausalLM,
            Qwen3MoeForCausalLM, Qwen2MoeForCausalLM; safetensors in BF16, F16 or F32, sharded or not) as one GGUF v3
            file for llama.cpp, with its tokenizer and chat template; norms, biases and MoE routers stay F32, each
            projection of a layer's experts is one stacked tensor. The quantized types go through llama.cpp's
            quantizer (as llama-quantize names them).

        simulate [--workers N] [--requests N] [--policy prefix|least-loaded|round-robin|all] [--json FILE]
                 [--arrival-rate R] [--prompt-tokens MEAN] [--output-tokens MEAN] [--system-prompts K]
                 [--system-prompt-tokens T] [--shared-prefix-share S] [--multi-turn-share M]
                 [--decode-step-ms MS] [--prefill-ms-per-token MS] [--decode-ms-per-token MS]
                 [--blocks-per-worker N] [--block-size N] [--max-num-seqs N] [--max-num-batched-tokens N]
                 [--balance-threshold N] [--seed N]
            Replays a synthetic workload through the real scheduler core (fleet, schedulers, block pools, prefix
            caches) over N simulated workers (default 8) on a virtual clock, once per placement policy (default
            all, same workload and seed), and prints throughput, TTFT, inter-token and end-to-end latency p50/p99,
            prefix-cache hit rate, per-worker requests and busy time, preemptions and the scheduler core's own time
            per step (wall clock inside its calls); progress on stderr; --json writes a list with one object per
            policy and its parameters.
            Workload (defaults): --requests 10000 arriving as a Poisson process at --arrival-rate requests/s
            (0.1 per worker); each request has a new user message of --prompt-tokens 256 and an output of
            --output-tokens 128 (both lognormal around the mean, sigma 0.5; output forced with ignore_eos);
            --shared-prefix-share 0.5 of new conversations open with one of --system-prompts 8 fixed system
            prompts of --system-prompt-tokens 1024; --multi-turn-share 0.25 of requests continue a conversation
            from the last 60 s (its prompt and output, then the new message); token ids are random otherwise.
            Cost of a step (defaults fitted to bench-model on the Qwen2.5-0.5B sizes with the CPU worker):
            --decode-step-ms 46.5 fixed, + --prefill-ms-per-token 7.7 per prompt token computed, +
            --decode-ms-per-token 16 per sequence decoding a token. Workers (defaults): --blocks-per-worker 1365
            (512 MiB of fp32 KV for Qwen2.5-0.5B), --block-size 16, --max-num-seqs 64, --max-num-batched-tokens
            2048, --balance-threshold 4 (prefix placement's allowance over the least loaded worker); --seed 1.

        """;
}
