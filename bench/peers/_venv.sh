# Shared by the setup_*_venv.sh scripts (source it; bash): peer_venv VENV PYTHON [PIP_ARGS...]
# creates VENV with PYTHON unless it exists, refuses spikeopt's own .venv, upgrades pip and
# installs PIP_ARGS (e.g. -r requirements.txt). Sets PEER_PY to the venv's python.
peer_venv() {
  local venv="$1" py="$2"
  shift 2
  local here root
  here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
  root="$(cd "$here/../.." && pwd)"
  case "$(cd "$(dirname "$venv")" 2>/dev/null && pwd)/$(basename "$venv")" in
    "$root/.venv") echo "refusing to install the peer stack into spikeopt's own venv" >&2; exit 2;;
  esac
  if [ ! -x "$venv/bin/python" ]; then
    "$py" -m venv "$venv"
  fi
  PEER_PY="$venv/bin/python"
  "$PEER_PY" -m pip install --quiet --upgrade pip setuptools wheel
  "$PEER_PY" -m pip install --quiet "$@"
}
