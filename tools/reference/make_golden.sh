#!/usr/bin/env bash
# Regenerates the worker's golden fixtures (services/npu-worker/Worker.Tests/Fixtures/golden/*.json): for each
# checkpoint, `make-model` writes it, then reference_forward.py (Debian's python3-torch) computes the top logits
# at the last prompt position, the greedy continuation and the top logits after it (with --hidden, also the
# final-normed hidden state there: the embedding tests' golden). Each fixture records the script, the torch version
# and the make-model command line that the tests replay.
#   tools/reference/make_golden.sh [NAME...]   (from the repository root; builds the CLI first; NAMEs: only those fixtures)
set -euo pipefail
cd "$(dirname "$0")/../.."
out=services/npu-worker/Worker.Tests/Fixtures/golden
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
dotnet build tools/Inference.Cli/Inference.Cli.csproj -c Release -v quiet -nologo >/dev/null
cli=(dotnet tools/Inference.Cli/bin/Release/net10.0/inference.dll)
mkdir -p "$out"

short=9707,11,1879,0
medium=$(python3 -c "print(','.join(str((i * 104729 + 17) % 151643) for i in range(24)))")
# 90 tokens: past the 64-position original context the YaRN and llama3 checkpoints are made with.
long=$(python3 -c "print(','.join(str((i * 7919 + 13) % 151000) for i in range(90)))")

only=("$@")
golden() {
    local name=$1; shift
    local prompts=$1; shift
    local reference_args=()
    if [[ ${1:-} == --hidden ]]; then reference_args+=(--hidden); shift; fi
    if (( ${#only[@]} )) && [[ ! " ${only[*]} " == *" $name "* ]]; then return; fi
    local args=(make-model --out "$work/$name" "$@")
    "${cli[@]}" "${args[@]}" >/dev/null 2>&1
    local recorded="make-model $*"
    local prompt_args=()
    for p in $prompts; do prompt_args+=(--prompt "$p"); done
    /usr/bin/python3 tools/reference/reference_forward.py "$work/$name" "${prompt_args[@]}" --new-tokens 8 "${reference_args[@]}" \
        --make-model "$recorded" > "$out/$name.json"
    echo "wrote $out/$name.json"
}

golden qwen3-tied-headdim32 "$short $medium" --hidden --arch qwen3 --preset tiny --head-dim 32 --seed 1
golden qwen3-untied-mqa "$short $medium" --arch qwen3 --preset tiny --untied --num-key-value-heads 1 --seed 2
golden llama-llama3-rope "$short $long" --arch llama --preset tiny --num-attention-heads 8 --num-key-value-heads 2 --max-position-embeddings 64 --rope-scaling llama3:8 --seed 3
golden qwen2-yarn-beyond-original "$short $long" --arch qwen2 --preset tiny --max-position-embeddings 64 --rope-scaling yarn:4 --seed 4
golden llama-f16-sharded "$short $medium" --arch llama --preset tiny --untied --dtype f16 --shards 3 --seed 5
golden qwen3-moe "$short $medium" --arch qwen3_moe --preset tiny --seed 6
golden qwen2-moe-shared "$short $medium" --arch qwen2_moe --preset tiny --untied --seed 7
golden qwen2-moe-dense-layer "$short $medium" --arch qwen2_moe --preset tiny --mlp-only-layers 1 --num-experts 6 --num-experts-per-tok 3 --seed 8
