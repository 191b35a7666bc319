#!/usr/bin/env bash
# Side by side with moto: the load bench (`cargo bench -p warden-server --bench load`) drives
# warden serve on SQLite and on PostgreSQL, then, in the same run and with the same client, the
# same signed GetRole against moto's server (moto cannot simulate: GetRole is the operation both
# have). moto is pinned in moto-requirements.txt and installed into .venv/bench-moto, rebuilt
# when the requirements change. Extra arguments and WARDEN_LOAD_* variables reach the bench.
set -euo pipefail
cd "$(dirname "$0")/../../.."

requirements=crates/warden-server/benches/moto-requirements.txt
venv=.venv/bench-moto
if ! cmp -s "$requirements" "$venv/requirements.txt" 2>/dev/null; then
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements"
    cp "$requirements" "$venv/requirements.txt"
fi

port=$("$venv/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
log=$(mktemp)
"$venv/bin/moto_server" -H 127.0.0.1 -p "$port" >"$log" 2>&1 &
moto=$!
trap 'kill "$moto" 2>/dev/null || true; wait "$moto" 2>/dev/null || true; rm -f "$log"' EXIT
for _ in $(seq 1 100); do
    if "$venv/bin/python" -c "import socket; socket.create_connection(('127.0.0.1', $port), 0.2)" 2>/dev/null; then
        break
    fi
    if ! kill -0 "$moto" 2>/dev/null; then
        cat "$log" >&2
        echo "error: moto_server did not start" >&2
        exit 1
    fi
    sleep 0.1
done
echo "moto $("$venv/bin/python" -c 'import moto; print(moto.__version__)') on 127.0.0.1:$port"
WARDEN_LOAD_MOTO="http://127.0.0.1:$port" cargo bench -p warden-server --bench load "$@"
