#!/usr/bin/env bash
# Tab. 2 inputs: params, paper-convention MACs and batch-1 CPU latency of every method.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p leaderboards/profiles
for method in gdlt hgcn mslstm; do
  aqabench profile --method "$method" --threads 1 --out leaderboards/profiles >/dev/null
done
aqabench profile --method mcore --clips 96 --threads 1 --out leaderboards/profiles >/dev/null  # 96 frames per video
for method in core tsa usdl musdl; do  # FineDiving methods: 96 frames of 368-d per video
  aqabench profile --method "$method" --dataset finediving-synth --clips 96 --threads 1 --out leaderboards/profiles >/dev/null
done
aqabench profile --method cofinal --threads 1 --out leaderboards/profiles >/dev/null
aqabench profile --method cofinal --set variant=code --threads 1 --out leaderboards/profiles >/dev/null
ls leaderboards/profiles
