# Shared set-up for scripts/*: creates .venv and installs sf_social with every extra,
# again only when setup.cfg, setup.py or pyproject.toml changed. Source it, don't run it.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${SF_SOCIAL_VENV:-$ROOT/.venv}"
PY="${PYTHON:-python3}"
if [ ! -x "$VENV/bin/python" ]; then
  echo "setting up $VENV (first run only)..." >&2
  "$PY" -m venv "$VENV"
fi
STAMP="$VENV/.sf_social-installed"
WANT="$(cat "$ROOT/setup.cfg" "$ROOT/setup.py" "$ROOT/pyproject.toml" | sha256sum | cut -d' ' -f1)"
if [ ! -f "$STAMP" ] || [ "$(cat "$STAMP")" != "$WANT" ]; then
  echo "installing sf_social[dev,postgres] into $VENV..." >&2
  "$VENV/bin/python" -m pip install --quiet --upgrade pip setuptools wheel >&2
  "$VENV/bin/python" -m pip install --quiet -e "$ROOT[dev,postgres]" >&2
  echo "$WANT" > "$STAMP"
fi
export PATH="$VENV/bin:$PATH"
cd "$ROOT"
