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
  echo "installing sf_social[dev,postgres,testing] into $VENV (log: $VENV/install.log)..." >&2
  if ! { "$VENV/bin/python" -m pip install --upgrade pip setuptools wheel &&
         "$VENV/bin/python" -m pip install -e "$ROOT[dev,postgres,testing]"; } > "$VENV/install.log" 2>&1; then
    tail -n 40 "$VENV/install.log" >&2
    echo "installation failed: see $VENV/install.log" >&2
    exit 1
  fi
  echo "$WANT" > "$STAMP"
fi
export PATH="$VENV/bin:$PATH"
cd "$ROOT"
