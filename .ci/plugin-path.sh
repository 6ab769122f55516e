#!/usr/bin/env bash
# The third-party plugin path, proven with pip: install the example distribution, see it listed,
# run it, test it, uninstall it; then a broken plugin that raises on import is isolated.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp -d)
trap 'rm -rf "$out"; python -m pip uninstall -q -y aqabench-plugin-example aqabench-broken-plugin >/dev/null 2>&1 || true' EXIT

echo "-- install the example plugin"
python -m pip install -q ./examples/aqabench-plugin-example
aqabench --strict-plugins plugins | tee "$out/plugins.txt"
grep -q "aqabench-plugin-example" "$out/plugins.txt"
aqabench run --method attn-pool --dataset wave-synth --size tiny --epochs 5 --out "$out/runs"
aqabench run --method attn-pool --dataset rg-synth --subset Ball --size tiny --epochs 3 \
  --out "$out/runs"
ls "$out"/runs/attn-pool__wave-synth__seed0__tiny*.json
# a third-party method shows up in the paper-format tables like any other
aqabench table --layout cofinal-tab1 --protocol final "$out/runs" | tee "$out/table.txt"
grep -q "attn-pool" "$out/table.txt"
python -m pytest -q -p no:cacheprovider examples/aqabench-plugin-example/tests

echo "-- uninstall it: everything else keeps working"
python -m pip uninstall -q -y aqabench-plugin-example
aqabench --strict-plugins plugins | tee "$out/plugins.txt"
if grep -q "attn-pool" "$out/plugins.txt"; then
  echo "the uninstalled example plugin is still listed" >&2; exit 1
fi
aqabench run --method ridge --dataset toy-synth --size tiny --epochs 2 --out "$out/runs"

echo "-- a plugin that raises on import is isolated"
python -m pip install -q ./tests/fixtures/aqabench-broken-plugin
aqabench plugins | tee "$out/plugins.txt"
grep -q "broken.*failed" "$out/plugins.txt"
# the same run again: its record is current, so it is replaced only with --force
if aqabench run --method ridge --dataset toy-synth --size tiny --epochs 2 --out "$out/runs" \
    2>/dev/null; then
  echo "a rerun should refuse to replace its current record without --force" >&2; exit 1
fi
aqabench run --method ridge --dataset toy-synth --size tiny --epochs 2 --out "$out/runs" --force
if aqabench --strict-plugins plugins >/dev/null 2>&1; then
  echo "strict mode should have failed on the broken plugin" >&2; exit 1
fi
python -m pip uninstall -q -y aqabench-broken-plugin
echo "plugin path: ok"
