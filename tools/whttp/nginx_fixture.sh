# nginx_fixture.sh - a throwaway nginx on 127.0.0.1 for whttp's demo and tests.
# Sourced by examples/whttp_demo.sh and tools/whttp/test_whttp.sh (POSIX sh).
#
#   fixture_init             make the directory ($FIXTURE_DIR, web root $FIXTURE_DIR/www)
#                            and install a trap that always calls fixture_stop
#   fixture_start [SNIPPET]  start nginx with SNIPPET inside its server block; sets
#                            $FIXTURE_PORT and $FIXTURE_URL; waits (10 s at most) until
#                            the port answers
#   fixture_stop             stop nginx and remove the directory
#
# nginx runs in the foreground (daemon off, master_process off) as the invoking user,
# root or not: every path it writes (pid, logs, temp files) is inside $FIXTURE_DIR.

FIXTURE_NGINX=${FIXTURE_NGINX:-/usr/sbin/nginx}
FIXTURE_DIR=
FIXTURE_PID=
FIXTURE_PORT=
FIXTURE_URL=

fixture_stop() {
    if [ -n "$FIXTURE_PID" ]; then
        kill "$FIXTURE_PID" 2>/dev/null || true
        wait "$FIXTURE_PID" 2>/dev/null || true
        FIXTURE_PID=
    fi
    if [ -n "$FIXTURE_DIR" ]; then
        rm -rf "$FIXTURE_DIR"
        FIXTURE_DIR=
    fi
}

fixture_init() {
    FIXTURE_DIR=$(mktemp -d "${TMPDIR:-/tmp}/whttp-nginx.XXXXXX")
    trap fixture_stop EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    mkdir -p "$FIXTURE_DIR/www" "$FIXTURE_DIR/tmp"
}

fixture_free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

fixture_write_config() {
    cat >"$FIXTURE_DIR/nginx.conf" <<CONF
daemon off;
master_process off;
worker_processes 1;
pid $FIXTURE_DIR/nginx.pid;
error_log $FIXTURE_DIR/error.log;
events { worker_connections 64; }
http {
    access_log $FIXTURE_DIR/access.log;
    client_body_temp_path $FIXTURE_DIR/tmp/body;
    proxy_temp_path $FIXTURE_DIR/tmp/proxy;
    fastcgi_temp_path $FIXTURE_DIR/tmp/fastcgi;
    uwsgi_temp_path $FIXTURE_DIR/tmp/uwsgi;
    scgi_temp_path $FIXTURE_DIR/tmp/scgi;
    types { text/plain txt; text/html html; application/octet-stream bin; }
    default_type application/octet-stream;
    server {
        listen 127.0.0.1:$FIXTURE_PORT;
        root $FIXTURE_DIR/www;
        $1
    }
}
CONF
}

# Waits until nginx ($FIXTURE_PID) accepts connections on $FIXTURE_PORT: 10 s at most,
# less if nginx exits first.
fixture_wait() {
    python3 - "$FIXTURE_PORT" "$FIXTURE_PID" <<'PY'
import socket, sys, time
port, pid = int(sys.argv[1]), sys.argv[2]

def alive():
    try:
        with open("/proc/%s/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False

deadline = time.monotonic() + 10
while time.monotonic() < deadline and alive():
    try:
        socket.create_connection(("127.0.0.1", port), 1).close()
        sys.exit(0)
    except OSError:
        time.sleep(0.05)
sys.exit(1)
PY
}

# One attempt on a fresh port; the port can be taken between choosing and binding it.
fixture_try_start() {
    FIXTURE_PORT=$(fixture_free_port)
    FIXTURE_URL="http://127.0.0.1:$FIXTURE_PORT"
    fixture_write_config "$1"
    "$FIXTURE_NGINX" -p "$FIXTURE_DIR/" -e "$FIXTURE_DIR/error.log" -c "$FIXTURE_DIR/nginx.conf" \
        </dev/null >"$FIXTURE_DIR/nginx.out" 2>&1 &
    FIXTURE_PID=$!
    fixture_wait && return 0
    kill "$FIXTURE_PID" 2>/dev/null || true
    wait "$FIXTURE_PID" 2>/dev/null || true
    FIXTURE_PID=
    return 1
}

fixture_start() {
    for _ in 1 2 3; do
        fixture_try_start "${1:-}" && return 0
    done
    echo "nginx did not start:" >&2
    cat "$FIXTURE_DIR/nginx.out" "$FIXTURE_DIR/error.log" >&2 2>/dev/null
    return 1
}
