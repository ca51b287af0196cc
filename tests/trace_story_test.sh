#!/bin/sh
# The trace tells the story of WebSocket and PAC runs and of async completions (issue 15): runs
# a few integration tests with OPENWINHTTP_TRACE set and looks for each kind of line.
set -u
BIN=$1
LOG=$(mktemp /tmp/owh-trace-story-XXXXXX); trap 'rm -f "$LOG"' EXIT
FILTER='Modes/WebSocketPython.EchoTextAndBinary/*:Modes/WebSocketPython.PingIsAnsweredAutomatically/*'
FILTER="$FILTER:Modes/WebSocketPython.ServerCloseWithCodeAndReason/*:Scenarios/AsyncHttp.SameOutcomeInSyncAndAsyncMode/*"
FILTER="$FILTER:Pac.ConfigUrlGivesTheProxyListInOrder:Pac.SyntaxErrorFails"
FILTER="$FILTER:*AutoProxy.PacProxyRoutesThroughTinyproxy*:*AutoProxy.PacNotFoundFallsBackToTheStaticSetting*"
OPENWINHTTP_TRACE="$LOG" "$BIN" --gtest_filter="$FILTER" >/dev/null 2>&1 || {
    echo "the traced tests failed"; exit 1; }
FAILED=0
expect() {
    if grep -q -- "$2" "$LOG"; then echo "ok   $1"; else echo "FAIL $1 (no line matching '$2')"; FAILED=1; fi
}
expect "WebSocket upgrade: CompleteUpgrade with its arguments" "api WinHttpWebSocketCompleteUpgrade(0x[0-9a-f]*, 0x[0-9a-f]*) -> ERROR_SUCCESS (0)"
expect "WebSocket frame sent, by type and length" "ws 0x[0-9a-f]* > text frame, [0-9]* bytes"
expect "WebSocket frame received, by type and length" "ws 0x[0-9a-f]* < binary data, [0-9]* bytes"
expect "WebSocket ping received" "ws 0x[0-9a-f]* < ping frame"
expect "WebSocket pong sent" "ws 0x[0-9a-f]* > pong frame"
expect "WebSocket close status received" "ws 0x[0-9a-f]* < close frame, [0-9]* bytes, close status [0-9]"
expect "WebSocket calls with their results" "api WinHttpWebSocketSend(0x[0-9a-f]*, [0-9], 0x[0-9a-f]*, [0-9]*) -> ERROR_SUCCESS (0)"
expect "WebSocket async completion" "async 0x[0-9a-f]* websocket send done -> ERROR_SUCCESS (0)"
expect "async request completion" "async 0x[0-9a-f]* API_READ_DATA done: [0-9]* bytes -> ERROR_SUCCESS (0)"
expect "PAC script download" "pac script http://[^ ]* downloaded: [0-9]* bytes -> ERROR_SUCCESS (0)"
expect "PAC compile" "pac script compiled in a new worker: ERROR_SUCCESS (0), ok"
expect "PAC compile failure" "pac script compiled in a new worker: ERROR_SUCCESS (0), script error"
expect "PAC FindProxyForURL answer" 'pac FindProxyForURL("http[^"]*", "[^"]*") = "PROXY '
expect "PAC route from the script" "pac 0x[0-9a-f]* route ERROR_SUCCESS (0): the script's answer"
expect "PAC fallback when the script cannot be had" "pac 0x[0-9a-f]* route ERROR_WINHTTP_UNABLE_TO_DOWNLOAD_SCRIPT (12167): fallback: the static proxy settings"
expect "PAC failure remembered" "pac http://[^ ]* failed recently: ERROR_WINHTTP_UNABLE_TO_DOWNLOAD_SCRIPT (12167)"
expect "GetProxyForUrl with its arguments" 'api WinHttpGetProxyForUrl(0x[0-9a-f]*, "http'
exit $FAILED
