namespace Inference.Cli.CommandLine;

public static class Usage
{
    public const string Text = """
        usage: inference <command> [options]

        make-model --out DIR [--preset tiny|small|qwen2.5-0.5b] [--seed N] [--hidden-size N]
                   [--intermediate-size N] [--num-hidden-layers N] [--num-attention-heads N]
                   [--num-key-value-heads N] [--untied]
            Writes a deterministic random-weight Qwen2 checkpoint in the Hugging Face layout.

        generate --model DIR (--prompt TEXT | --prompt-ids 1,2,3)... [--max-tokens N] [--temperature T]
                 [--top-p P] [--top-k K] [--seed N] [--ignore-eos] [--chat] [--logprobs N] [--prompt-logits N]
                 [--kv-cache-mib N] [--threads N]
            Offline batch inference in process; one JSON line per prompt on stdout.
            --chat renders each --prompt as a user message through the model's chat template.
            --prompt-logits N adds the top N raw logits at each prompt's last position.

        serve [--model DIR] [--port N] [--kv-cache-mib N] [--workers N] [--threads-per-worker N]
              [--max-concurrent-requests N]
            Starts the tokenizer, --workers npu-workers (default 1, each on its own loopback port), the scheduler
            and the openai-gateway as local processes and serves the OpenAI API on http://127.0.0.1:PORT
            (default 8000) until interrupted. With no --model it generates and serves the tiny random checkpoint.
            --kv-cache-mib is each worker's KV cache; --threads-per-worker defaults to the processors split
            evenly between the workers (at least 1 each); --max-concurrent-requests bounds the scheduler's
            queued plus running requests. Prints "worker I: pid P, URL" on stdout for each worker when it starts
            and again after every restart, and the "OpenAI API: ..." line once /health answers 200. A service
            that exits after that is restarted (0.5 s backoff doubling to 10 s), with one log line on stderr;
            one that exits during start-up stops serve. Ctrl+C or SIGTERM stops every service.

        bench-tokenizer [--model DIR] [--seconds S]
            Measures encode, decode and streaming-detokenize tokens/s on one thread over mixed text.

        bench-model --model DIR [--prompt-tokens N] [--decode-tokens N] [--batch 1,16] [--threads N] [--repeat N]
            Measures the model runner's prefill and decode tokens/s in process, per batch size (fastest of N rounds).

        """;
}
