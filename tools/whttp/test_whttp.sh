#!/bin/sh
# test_whttp.sh WHTTP - whttp end to end against a throwaway local nginx (CTest: WhttpAgainstNginx).
# Exits 0 when every check passes, 1 otherwise, 77 (skipped) without nginx or python3.
set -u
WHTTP=${1:?usage: test_whttp.sh PATH_TO_WHTTP}
WHTTP=$(cd "$(dirname "$WHTTP")" && pwd)/$(basename "$WHTTP")  # -O runs it from another directory
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tools/whttp/nginx_fixture.sh
. "$HERE/nginx_fixture.sh"

[ -x "$FIXTURE_NGINX" ] || { echo "SKIP: no $FIXTURE_NGINX"; exit 77; }
command -v python3 >/dev/null || { echo "SKIP: no python3"; exit 77; }

# Proxy variables of the caller's shell must not route the checks below.
unset http_proxy https_proxy all_proxy no_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY NO_PROXY

FAILED=0
pass() { echo "ok   $1"; }
fail() { echo "FAIL $1"; FAILED=1; }

# check NAME EXPECTED_EXIT whttp-args... : runs whttp, output in $OUT, stderr in $ERR.
check() {
    name=$1 expected=$2
    shift 2
    "$WHTTP" "$@" >"$OUT" 2>"$ERR" </dev/null
    rc=$?
    if [ "$rc" -eq "$expected" ]; then return 0; fi
    fail "$name: exit $rc, expected $expected"
    sed 's/^/     stderr: /' "$ERR" | head -5
    return 1
}

# expect NAME COMMAND... : the check passes when COMMAND succeeds.
expect() {
    name=$1
    shift
    if "$@"; then pass "$name"; else fail "$name"; fi
}

has() { grep -q -- "$2" "$1"; }

# Bytes nginx sent for the last request of $1 (combined log: ... STATUS BYTES "ref" "ua").
# The access-log line of the Nth request matching $1. nginx writes it after the last byte went
# out, so the client can have exited before it is there: wait for it, at most 5 s.
logged_line() {
    i=0
    while [ "$(grep -cF "$1" "$FIXTURE_DIR/access.log")" -lt "$2" ] && [ $i -lt 50 ]; do
        sleep 0.1
        i=$((i + 1))
    done
    grep -F "$1" "$FIXTURE_DIR/access.log" | sed -n "$2p"
}
# The body bytes nginx sent for the Nth request matching $1.
bytes_sent() {
    logged_line "$1" "$2" | sed -E 's/.*" [0-9]{3} ([0-9]+) ".*/\1/'
}

fixture_init
OUT=$FIXTURE_DIR/out ERR=$FIXTURE_DIR/err U=$FIXTURE_DIR/u
WWW=$FIXTURE_DIR/www
echo "hello from nginx" >"$WWW/hello.txt"
python3 -c 'import sys; sys.stdout.write("".join("line %d: the quick brown fox\n" % i for i in range(20000)))' \
    >"$WWW/words.txt"
head -c 8M /dev/urandom >"$WWW/big.bin"
mkdir "$WWW/dav" "$U"
head -c 300000 /dev/urandom >"$U/upload.bin"
printf 'a=1\nb=2\n' >"$U/form.txt"
mkdir -p "$WWW/private"
printf 'private\n' >"$WWW/private/hello.txt"
printf 'user:{PLAIN}secret\n' >"$FIXTURE_DIR/htpasswd"

# A self-signed certificate for https://localhost on a second, TLS, listener of the same server.
TLS_PORT=$(fixture_free_port)
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
    -subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1 \
    -keyout "$FIXTURE_DIR/tls.key" -out "$FIXTURE_DIR/tls.pem" 2>/dev/null || exit 1

fixture_start "
        listen 127.0.0.1:$TLS_PORT ssl;
        ssl_certificate $FIXTURE_DIR/tls.pem;
        ssl_certificate_key $FIXTURE_DIR/tls.key;"'
        location ~ \.txt$ { gzip on; gzip_types text/plain; gzip_min_length 1; }
        location = /redirect { return 302 /hello.txt; }
        location = /loop { return 302 /loop; }
        location = /echo {
            return 200 "method=$request_method ua=$http_user_agent x=$http_x_whttp ct=$content_type cl=$content_length ae=$http_accept_encoding\n";
        }
        location ^~ /private/ { auth_basic "private"; auth_basic_user_file '"$FIXTURE_DIR"'/htpasswd; }
        location ^~ /dav/ { dav_methods PUT; create_full_put_path on; client_max_body_size 100m; }
' || exit 1
URL=$FIXTURE_URL

# --- help and the command line ------------------------------------------------------------
check help 0 --help && expect "--help prints usage and exit codes" has "$OUT" "Exit codes:"
expect "--help names the WinHTTP call of each option" has "$OUT" "-> WinHttpSetTimeouts(nResolveTimeout, nConnectTimeout)"
check "no URL" 2 && expect "no URL is a usage error" has "$ERR" "no URL given"
check "unknown option" 2 --nope "$URL/" && pass "unknown option is a usage error"

# --- https: verification on by default, -k, --cacert -------------------------------------------
TLS_URL=https://localhost:$TLS_PORT
check "https untrusted" 35 "$TLS_URL/hello.txt" && pass "an untrusted certificate fails (SECURE_FAILURE, exit 35)"
check "https -k" 0 -k "$TLS_URL/hello.txt" && expect "-k accepts it" cmp -s "$OUT" "$WWW/hello.txt"
check "https --cacert" 0 --cacert "$FIXTURE_DIR/tls.pem" "$TLS_URL/hello.txt" &&
    expect "--cacert trusts it" cmp -s "$OUT" "$WWW/hello.txt"

# --- GET, -i, -I, -o ------------------------------------------------------------------------
check "plain GET" 0 "$URL/hello.txt" && expect "GET writes the body" cmp -s "$OUT" "$WWW/hello.txt"
if check "-i" 0 -i "$URL/hello.txt"; then
    expect "-i starts with the status line" sh -c "head -n 1 '$OUT' | grep -q '^HTTP/1.1 200 OK'"
    expect "-i includes Content-Length" has "$OUT" "Content-Length: 17"
    expect "-i ends with the body" sh -c "tail -n 1 '$OUT' | grep -q '^hello from nginx$'"
fi
if check "-I" 0 -I "$URL/big.bin"; then
    expect "-I prints headers" has "$OUT" "Content-Length: 8388608"
    expect "-I sends HEAD" test -n "$(logged_line '"HEAD /big.bin' 1)"
    expect "-I prints no body" test "$(wc -c <"$OUT")" -lt 1000
fi
check "-o" 0 -o "$U/big.out" "$URL/big.bin" && expect "-o stores the body" cmp -s "$U/big.out" "$WWW/big.bin"
check "-o -" 0 -o - "$URL/hello.txt" && expect "-o - is stdout" cmp -s "$OUT" "$WWW/hello.txt"
check "-o bad dir" 23 -o "$U/no/such/dir/file" "$URL/hello.txt" && pass "-o into a missing directory exits 23"
if (cd "$U" && "$WHTTP" -s -O "$URL/hello.txt?x=1" >"$OUT" 2>"$ERR"); then
    expect "-O names the file after the URL" cmp -s "$U/hello.txt" "$WWW/hello.txt"
    expect "-O writes nothing on stdout" test ! -s "$OUT"
else
    fail "-O: exit $?"
fi
check "-O without a file name" 23 -O "$URL/" && pass "-O on a URL without a file name exits 23"
check "404" 0 "$URL/missing" && expect "HTTP 404 without -f is success" has "$OUT" "404 Not Found"

# --- -w/--write-out ----------------------------------------------------------------------------
if check "-w" 0 -s -o /dev/null -w '%{http_code} %{size_download} %{url_effective}\n' "$URL/hello.txt"; then
    expect "-w prints status, size and URL" test "$(cat "$OUT")" = "200 17 $URL/hello.txt"
fi
check "-w -f" 22 -s -f -o /dev/null -w '%{http_code}' "$URL/missing" &&
    expect "-w reports the failing status too" test "$(cat "$OUT")" = "404"
check "-w -L" 0 -s -L -o /dev/null -w '%{url_effective} %{http_code}' "$URL/redirect" &&
    expect "-w %{url_effective} is the URL after redirects" test "$(cat "$OUT")" = "$URL/hello.txt 200"
if check "-w times" 0 -s -o /dev/null -w '%{time_namelookup} %{time_connect} %{time_pretransfer} %{time_starttransfer} %{time_total}' \
    "$URL/big.bin"; then
    # Only the order is checked: curl's stages are cumulative, each at least the one before.
    expect "-w timing fields are ordered" python3 -c 'import sys
t = [float(x) for x in open(sys.argv[1]).read().split()]
sys.exit(0 if len(t) == 5 and all(0 <= a <= b for a, b in zip(t, t[1:])) and t[-1] > 0 else 1)' "$OUT"
fi
# curl's %{http_version}; --http2 and --http1.1 set WINHTTP_OPTION_ENABLE_HTTP_PROTOCOL (HTTP/2
# needs TLS with ALPN: over http:// the answer stays 1.1).
check "-w http_version" 0 -s -o /dev/null -w '%{http_version}' "$URL/hello.txt" &&
    expect "-w %{http_version} is 1.1 over HTTP/1.1" test "$(cat "$OUT")" = "1.1"
T2=$FIXTURE_DIR/trace-http2.log
if check "--http2" 0 --http2 -s -o /dev/null --trace "$T2" -w '%{http_version}' "$URL/hello.txt"; then
    expect "--http2 over http:// stays 1.1" test "$(cat "$OUT")" = "1.1"
    expect "--http2 sets ENABLE_HTTP_PROTOCOL to HTTP2 (by name in the trace)" has "$T2" "WINHTTP_OPTION_ENABLE_HTTP_PROTOCOL, &1, 4) -> ERROR_SUCCESS (0)"
    expect "-w %{http_version} asks HTTP_PROTOCOL_USED" has "$T2" "WINHTTP_OPTION_HTTP_PROTOCOL_USED, "
fi
rm -f "$T2"
if check "--http1.1" 0 --http1.1 -s -o /dev/null --trace "$T2" "$URL/hello.txt"; then
    expect "--http1.1 sets ENABLE_HTTP_PROTOCOL to 0" has "$T2" "WINHTTP_OPTION_ENABLE_HTTP_PROTOCOL, &0, 4) -> ERROR_SUCCESS (0)"
fi
check "-w %%" 0 -s -o /dev/null -w '100%%\t%{nope}' "$URL/hello.txt" &&
    expect "-w unescapes %% and \\t, an unknown variable prints nothing" test "$(cat "$OUT")" = "$(printf '100%%\t')"

# --- tracing: --trace FILE and OPENWINHTTP_TRACE ------------------------------------------------
T=$FIXTURE_DIR/trace.log
if check "--trace" 0 -s -L --trace "$T" -H "Authorization: Bearer s3cr3t" -H "Cookie: c=s3cr3t" "$URL/redirect"; then
    expect "--trace: one line per API call with its arguments and error name" has "$T" "api WinHttpOpen(\"whttp/[0-9.]*\", WINHTTP_ACCESS_TYPE_[A-Z_]*, .*) -> ERROR_SUCCESS (0)$"
    expect "--trace: header arguments are redacted too" has "$T" "api WinHttpAddRequestHeaders(0x[0-9a-f]*, \"Authorization: \[redacted\]"
    expect "--trace: handles created and closed" sh -c "grep -q 'handle 0x[0-9a-f]* created request' '$T' && grep -q 'handle 0x[0-9a-f]* closed' '$T'"
    expect "--trace: connection new, then reused for the redirect" sh -c "grep -q 'conn 0x[0-9a-f]* new http://127.0.0.1' '$T' && grep -q 'conn 0x[0-9a-f]* reused' '$T'"
    expect "--trace: request and response heads" sh -c "grep -q '> 0x[0-9a-f]* GET /hello.txt HTTP/1.1' '$T' && grep -q '< 0x[0-9a-f]* HTTP/1.1 302' '$T'"
    expect "--trace: Authorization and Cookie are redacted" sh -c "grep -q 'Authorization: \\[redacted\\]' '$T' && ! grep -q s3cr3t '$T'"
    expect "--trace: UTC timestamp and thread id" has "$T" "^openwinhttp 20[0-9-]*T[0-9:.]*Z \\[[0-9]*\\] "
fi
rm -f "$T"
OPENWINHTTP_TRACE="$T:1" "$WHTTP" -s "$URL/hello.txt" >/dev/null 2>&1
expect "OPENWINHTTP_TRACE=FILE:1 traces calls but no heads" sh -c "grep -q 'api WinHttpReceiveResponse' '$T' && ! grep -q ' > ' '$T'"
rm -f "$T"
check "-v without trace" 0 -o /dev/null "$URL/hello.txt" && expect "no trace unless asked" sh -c "! grep -q openwinhttp '$ERR'"
check "refused --trace -" 7 --trace - "http://127.0.0.1:$(fixture_free_port)/" &&
    expect "--trace - names the failing call's error" has "$ERR" "api WinHttpSendRequest(0x[0-9a-f]*, .*) -> ERROR_WINHTTP_CANNOT_CONNECT (12029)"

# --- -v, -s, -S -----------------------------------------------------------------------------
if check "-v" 0 -v -o /dev/null "$URL/hello.txt"; then
    expect "-v shows the request line" has "$ERR" "^> GET /hello.txt HTTP/1.1"
    expect "-v shows the Host header" has "$ERR" "^> Host: 127.0.0.1:$FIXTURE_PORT"
    expect "-v shows the status line" has "$ERR" "^< HTTP/1.1 200 OK"
fi

# --- -d, -X, -H, -A, -f ---------------------------------------------------------------------
check "-d to a static file" 0 -d "a=1" "$URL/hello.txt" && expect "POST to a static file gets 405" \
    has "$OUT" "405 Not Allowed"
check "-f -d" 22 -f -d "a=1" "$URL/hello.txt" && expect "-f prints no body" test ! -s "$OUT"
if check "-d to /echo" 0 -d "a=1" -d "b=22" "$URL/echo"; then
    expect "-d sends POST" has "$OUT" "method=POST"
    expect "-d joins with & and sets the length" has "$OUT" "cl=8 "
    expect "-d sets a form Content-Type" has "$OUT" "ct=application/x-www-form-urlencoded "
fi
check "-d @file" 0 -d "@$U/form.txt" "$URL/echo" && expect "-d @file strips newlines" has "$OUT" "cl=6 "
check "-H -A" 0 -H "X-Whttp: yes" -H "Content-Type: text/plain" -A "agent/7" -d x "$URL/echo" &&
    expect "-H and -A are sent" has "$OUT" "ua=agent/7 x=yes ct=text/plain "
check "-X" 0 -X DELETE "$URL/echo" && expect "-X sets the method" has "$OUT" "method=DELETE"
check "bad -H" 2 -H "no colon" "$URL/echo" && pass "a header without ':' is a usage error"

# --- -u, --basic, --anyauth (nginx's auth_basic) -----------------------------------------------
check "no -u" 0 "$URL/private/hello.txt" && expect "without -u the 401 is the answer" has "$OUT" "401"
if check "-u" 0 -v -f -u user:secret "$URL/private/hello.txt"; then
    expect "-u gets the page" has "$OUT" "^private"
    expect "-u sends Basic with the first request" has "$ERR" "^> Authorization: Basic dXNlcjpzZWNyZXQ="
fi
check "--anyauth -u" 0 -f --anyauth -u user:secret "$URL/private/hello.txt" &&
    expect "--anyauth answers the challenge" has "$OUT" "^private"
check "-u wrong" 22 -f -u user:wrong "$URL/private/hello.txt" && pass "a wrong password ends with the 401"
check "--digest -u on Basic" 22 -f --digest -u user:secret "$URL/private/hello.txt" &&
    pass "--digest does not fall back to Basic"

# --- uploads: -T and --data-binary @file ------------------------------------------------------
check "-T" 0 -f -T "$U/upload.bin" "$URL/dav/one.bin" &&
    expect "-T uploads the file" cmp -s "$WWW/dav/one.bin" "$U/upload.bin"
check "-T to a directory" 0 -f -T "$U/upload.bin" "$URL/dav/sub/" &&
    expect "-T appends the file name to a URL ending in /" cmp -s "$WWW/dav/sub/upload.bin" "$U/upload.bin"
check "--data-binary @file" 0 -f -X PUT --data-binary "@$U/form.txt" "$URL/dav/form.txt" &&
    expect "--data-binary @file is sent unchanged" cmp -s "$WWW/dav/form.txt" "$U/form.txt"
check "-T missing file" 26 -T "$U/missing" "$URL/dav/x" && pass "-T with a missing file exits 26"

# --- --compressed ---------------------------------------------------------------------------
size=$(wc -c <"$WWW/words.txt")
check "no --compressed" 0 -o "$U/plain.txt" "$URL/words.txt" &&
    expect "without --compressed the body is sent as is" test "$(bytes_sent "GET /words.txt" 1)" -ge "$size"
if check "--compressed" 0 --compressed -o "$U/gz.txt" -v "$URL/words.txt"; then
    expect "--compressed asks for gzip" has "$ERR" "^> Accept-Encoding: .*gzip"
    expect "--compressed gets a gzip body" test "$(bytes_sent "GET /words.txt" 2)" -lt "$((size / 4))"
    expect "--compressed decompresses" cmp -s "$U/gz.txt" "$WWW/words.txt"
fi

# --- redirects ------------------------------------------------------------------------------
check "302 without -L" 0 -i "$URL/redirect" && expect "redirects are off by default" \
    has "$OUT" "^HTTP/1.1 302"
check "-L" 0 -L "$URL/redirect" && expect "-L follows the redirect" cmp -s "$OUT" "$WWW/hello.txt"
check "--max-redirs" 47 -L --max-redirs 3 "$URL/loop" && expect "too many redirects exits 47" \
    has "$ERR" "ERROR_WINHTTP_REDIRECT_FAILED"

# --- proxies: nginx answers an absolute-form request as a forward proxy would pass it on -------
dead=$(fixture_free_port)
check "-x" 0 -x "127.0.0.1:$FIXTURE_PORT" "http://whttp-proxy.invalid/hello.txt" &&
    expect "-x sends the request to the proxy" cmp -s "$OUT" "$WWW/hello.txt"
check "-x dead" 7 -x "http://127.0.0.1:$dead/" "$URL/hello.txt" && pass "-x to a dead proxy exits 7"
check "--noproxy" 0 -x "127.0.0.1:$dead" --noproxy "example.com, 127.0.0.1" "$URL/hello.txt" &&
    expect "--noproxy goes direct" cmp -s "$OUT" "$WWW/hello.txt"
export http_proxy="127.0.0.1:$FIXTURE_PORT"
check "http_proxy" 0 "http://whttp-env.invalid/hello.txt" &&
    expect "http_proxy is honoured" cmp -s "$OUT" "$WWW/hello.txt"
export http_proxy="127.0.0.1:$dead"
check "-x ''" 0 -x "" "$URL/hello.txt" && pass "-x \"\" ignores http_proxy"
check "--noproxy '*'" 0 --noproxy '*' "$URL/hello.txt" && pass "--noproxy '*' ignores http_proxy"
export no_proxy="127.0.0.1"
check "no_proxy" 0 "$URL/hello.txt" && pass "no_proxy is honoured"
unset http_proxy no_proxy

# --- network errors -------------------------------------------------------------------------
port=$(fixture_free_port)
check "refused" 7 "http://127.0.0.1:$port/" && expect "a refused port exits 7" \
    has "$ERR" "failed: ERROR_WINHTTP_CANNOT_CONNECT (12029)"
check "-s refused" 7 -s "http://127.0.0.1:$port/" && expect "-s hides the error" test ! -s "$ERR"
check "-sS refused" 7 -sS "http://127.0.0.1:$port/" && expect "-S shows it again" \
    has "$ERR" "ERROR_WINHTTP_CANNOT_CONNECT"
check "bad URL" 3 "http://[::1/" && expect "a bad URL exits 3" has "$ERR" "WinHttpCrackUrl failed"
check "bad scheme" 3 "ftp://127.0.0.1/" && pass "an ftp URL exits 3"

# A listener that never answers: -m must turn the wait into exit 28.
python3 -c 'import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(8)
print(s.getsockname()[1], flush=True); time.sleep(30)' >"$U/silent.port" &
silent_pid=$!
# Wait (5 s at most) for the port: a fixed sleep loses the race on a loaded machine, and an
# empty port makes the URL point at port 80 (refused, exit 7).
for _ in $(seq 50); do [ -s "$U/silent.port" ] && break; sleep 0.1; done
start=$(date +%s)
check "-m" 28 -m 1 "http://127.0.0.1:$(cat "$U/silent.port")/" && expect "-m 1 times out within 5 s" \
    test "$(($(date +%s) - start))" -le 5
kill "$silent_pid" 2>/dev/null
wait "$silent_pid" 2>/dev/null

# A listener whose accept queue is full: Linux drops further SYNs, so connecting hangs until
# --connect-timeout ends it (ERROR_WINHTTP_TIMEOUT, exit 28).
python3 -c 'import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(0)
port = s.getsockname()[1]
fill = []
for _ in range(4):
    c = socket.socket(); c.setblocking(False); c.connect_ex(("127.0.0.1", port)); fill.append(c)
time.sleep(0.5)
print(port, flush=True); time.sleep(30)' >"$U/full.port" &
full_pid=$!
for _ in $(seq 50); do [ -s "$U/full.port" ] && break; sleep 0.1; done
check "--connect-timeout" 28 --connect-timeout 1 "http://127.0.0.1:$(cat "$U/full.port")/" &&
    expect "--connect-timeout reports ERROR_WINHTTP_TIMEOUT" has "$ERR" "ERROR_WINHTTP_TIMEOUT (12002)"
kill "$full_pid" 2>/dev/null
wait "$full_pid" 2>/dev/null

# --- progress bar, when a pseudo-terminal is available ------------------------------------------
if command -v script >/dev/null 2>&1; then
    script -qfc "'$WHTTP' -o /dev/null '$URL/big.bin'" "$U/typescript" >/dev/null 2>&1
    # Every progress line shows "<done> / 8.0 MiB"; a slow run (short I/O) may clear the bar
    # before a 100.0% line is drawn, and its rate may be in KiB/s.
    expect "progress bar on a terminal" has "$U/typescript" " / 8.0 MiB"
    check "no bar off a terminal" 0 -o /dev/null "$URL/big.bin" && expect "no progress bar off a terminal" \
        test ! -s "$ERR"
fi

# --- WebSocket mode against Python's websockets (tests/support/ws_server.py) --------------------
# Lines written to whttp's stdin go out as text messages; the echoes are printed one per line.
# stdin stays open (a fifo) until both echoes are out: the server drops messages it would still
# echo once our close frame has arrived, as websockets does.
WS_SERVER=$HERE/../../tests/support/ws_server.py
if /usr/bin/python3 -c 'import websockets' 2>/dev/null; then
    /usr/bin/python3 "$WS_SERVER" "$U/ws.port" &
    ws_pid=$!
    for _ in $(seq 100); do [ -s "$U/ws.port" ] && break; sleep 0.1; done
    WS_URL="ws://127.0.0.1:$(cat "$U/ws.port")"
    mkfifo "$U/ws.in"
    "$WHTTP" "$WS_URL/echo" <"$U/ws.in" >"$U/ws.out" 2>"$ERR" &
    whttp_pid=$!
    exec 3>"$U/ws.in"
    printf 'hello websocket
second line
' >&3
    for _ in $(seq 100); do [ "$(wc -l <"$U/ws.out")" -ge 2 ] && break; sleep 0.1; done
    exec 3>&-
    wait "$whttp_pid"
    rc=$?
    expect "ws:// exits 0 at the end of stdin" test "$rc" -eq 0
    expect "ws:// prints the echoed messages" test "$(cat "$U/ws.out")" = "$(printf 'hello websocket\nsecond line')"
    # The server's close frame ends the session: whttp exits 0 by itself.
    check "ws:// server closes" 0 "$WS_URL/close"
    check "ws:// fragments make one line" 0 "$WS_URL/fragments" &&
        expect "ws:// fragments make one line" has "$OUT" "^fragmented$"
    check "ws:// on a plain HTTP server" 22 "ws://127.0.0.1:$FIXTURE_PORT/hello.txt" &&
        expect "ws:// without a 101 says so" has "$ERR" "not 101"
    kill "$ws_pid" 2>/dev/null
    wait "$ws_pid" 2>/dev/null
else
    echo "skip ws:// checks: no python3-websockets"
fi

[ "$FAILED" -eq 0 ] && echo "all whttp checks passed"
exit "$FAILED"
