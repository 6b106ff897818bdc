#!/usr/bin/env bash
# Build the peer venv for NetPyNE's tut_optimization (default: bench/peers/.venv-netpyne).
#
#   bash bench/peers/setup_netpyne_venv.sh [VENV_DIR]
#
# NEURON 9 (PyPI wheel; hh, Exp2Syn and NetStim are built in, so no nrnivmodl),
# NetPyNE and inspyred, pinned in netpyne-requirements.txt (about 40 s here). The peer script
# netpyne_tut2_fit.py runs inside it; nothing here touches spikeopt's .venv.
# PYTHON selects the interpreter (default python3.11).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="${1:-$here/.venv-netpyne}"
py="${PYTHON:-python3.11}"

. "$here/_venv.sh"
peer_venv "$venv" "$py" -r "$here/netpyne-requirements.txt"
"$PEER_PY" - <<'PY'
import inspyred, netpyne, neuron
from netpyne import sim, specs  # noqa: F401
from neuron import h
h.load_file("stdrun.hoc")
s = h.Section(name="soma"); s.insert("hh"); h.Exp2Syn(s(0.5)); h.NetStim()
print(f"netpyne venv ok: neuron {neuron.__version__}, netpyne {netpyne.__version__}, "
      f"inspyred {inspyred.__version__}")
PY
