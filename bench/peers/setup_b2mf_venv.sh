#!/usr/bin/env bash
# Build the peer venv for brian2modelfitting 0.4 (default: <repo>/.venv-b2mf).
#
#   bash bench/peers/setup_b2mf_venv.sh [VENV_DIR]
#
# brian2modelfitting 0.4 needs numpy < 1.24 (nevergrad 0.3 uses np.float),
# scipy < 1.12, pandas < 2.1, scikit-learn < 1.4, bayesian-optimization < 2 and
# nevergrad <= 0.3, so it lives in a venv of its own and spikeopt's benchmark
# runs it as a subprocess. Nothing here touches spikeopt's .venv.
# PYTHON selects the interpreter (default python3; tested with 3.11).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
venv="${1:-$root/.venv-b2mf}"
py="${PYTHON:-python3}"

. "$here/_venv.sh"
peer_venv "$venv" "$py" -r "$here/b2mf-requirements.txt"
"$PEER_PY" - <<'PY'
import warnings
warnings.filterwarnings("ignore")
import brian2, brian2modelfitting, nevergrad, numpy
from brian2modelfitting import GammaFactor, NevergradOptimizer, SpikeFitter  # noqa: F401
print(f"b2mf venv ok: brian2modelfitting {brian2modelfitting.__version__}, "
      f"brian2 {brian2.__version__}, nevergrad {nevergrad.__version__}, numpy {numpy.__version__}")
PY
