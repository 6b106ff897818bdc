#!/usr/bin/env bash
# Build the peer venv for SNN-Hawkes-Process's sine-vs-cosine SNN (default: bench/peers/.venv-snn-hawkes).
#
#   bash bench/peers/setup_snn_hawkes_venv.sh [VENV_DIR]
#
# CPU-only torch 2.13.0, pycma and numpy, pinned in snn_hawkes-requirements.txt (about 45 s
# and 1 GB here). The peer script snn_hawkes_sine_cosine.py runs inside it; nothing here
# touches spikeopt's .venv. PYTHON selects the interpreter (default python3.11).
# torch==2.13.0+cpu comes from a local wheel where pip's find-links has one (this machine:
# /opt/wheels); otherwise PyTorch's CPU index is added (TORCH_CPU_INDEX overrides it), since
# PyPI's own x86_64 torch wheel is the multi-GB CUDA build.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="${1:-$here/.venv-snn-hawkes}"
py="${PYTHON:-python3.11}"


extra=()
local_wheel=""
for d in ${PIP_FIND_LINKS:-} /opt/wheels; do
  for f in "$d"/torch-2.13.0+cpu-*.whl; do [ -e "$f" ] && local_wheel="$f"; done
done
if [ -z "$local_wheel" ]; then
  extra=(--extra-index-url "${TORCH_CPU_INDEX:-https://download.pytorch.org/whl/cpu}")
fi
. "$here/_venv.sh"
peer_venv "$venv" "$py" ${extra[@]+"${extra[@]}"} -r "$here/snn_hawkes-requirements.txt"
"$PEER_PY" - <<'PY'
import warnings
warnings.filterwarnings("ignore", message="Could not import matplotlib")
import cma, numpy, torch
assert torch.__version__.endswith("+cpu"), torch.__version__
x = torch.bernoulli(torch.full((1, 100), 0.5))
es = cma.CMAEvolutionStrategy(numpy.zeros(30), 0.5, {"verbose": -9, "seed": 1})
assert es.popsize == 14, es.popsize
print(f"snn-hawkes venv ok: torch {torch.__version__}, cma {cma.__version__}, numpy {numpy.__version__}")
PY
