// The fault matrix (issue 7): a misbehaving server at every phase of an HTTP/1.1 exchange, in
// synchronous and asynchronous mode. Each cell asserts
//   - the exact Windows error, reported by the exact API call;
//   - no hang: the failing call returns within the configured timeout plus a margin (every
//     wait here is bounded);
//   - the connection is never reused: the request does not retry behind the application's
//     back, the fault's connection is dropped (the server sees it closed, never a second
//     request on it), and the next request on the same session gets a new connection.
// Crashes and leaks are the sanitizer builds' part: they run this same table.
//
// Sources for the expected errors (Microsoft Learn, winhttp.h reference):
//   [RR]  WinHttpReceiveResponse page, error table: CONNECTION_ERROR "The connection with the
//         server has been reset or terminated"; HEADER_SIZE_OVERFLOW (12182) "the size of
//         headers received exceeds the limit for the request handle"; HEADER_COUNT_EXCEEDED
//         (12181); CHUNKED_ENCODING_HEADER_SIZE_OVERFLOW (12183) "an overflow condition is
//         encountered in the course of parsing chunked encoding"; INVALID_SERVER_RESPONSE
//         (12152) "The server response could not be parsed"; TIMEOUT (12002).
//   [RD]  WinHttpReadData / WinHttpQueryDataAvailable pages: CONNECTION_ERROR, TIMEOUT,
//         INVALID_SERVER_RESPONSE (same wording).
//   [SR]  WinHttpSendRequest page: CANNOT_CONNECT (12029) "connection to the server failed";
//         CONNECTION_ERROR; TIMEOUT.
//   [TO]  WinHttpSetTimeouts page: connect, send and receive timeouts bound each wait;
//         Option Flags page, WINHTTP_OPTION_RECEIVE_RESPONSE_TIMEOUT bounds the whole head.
//   [MAX] Option Flags page: WINHTTP_OPTION_MAX_RESPONSE_HEADER_SIZE (default 64 KB),
//         WINHTTP_OPTION_MAX_HTTP_STATUS_CONTINUE.
//   [RFC] RFC 9112 §6.3: Content-Length with Transfer-Encoding "ought to be handled as an
//         error"; an invalid Content-Length is unrecoverable.
//   [OWN] Windows documents no error for this case; the value is this project's choice (see
//         docs/SECURITY.md) and what the engine returns today.
// Windows reports a server that closes without (a complete) head as 12152 — the well-known
// "The server returned an invalid or unrecognized response" — and a body cut short by a close
// as 12030.
#include <winhttp.h>

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <optional>
#include <ostream>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "http_test_util.h"
#include "support/scripted_server.h"

using namespace itest;
using winhttp::test::FullBacklogListener;
using winhttp::test::Script;
using winhttp::test::ScriptedServer;
using winhttp::test::Step;
using namespace std::chrono_literals;

namespace {

// ===== The table ==============================================================================

// Every wait of the client is bounded by this (connect, send, receive); small so that the
// whole matrix stays fast.
constexpr DWORD kTimeoutMs = 400;
// "Returns within the timeout": a hang detector, not a speed check, so generous: a sanitizer
// build on a machine at load 30 took 5.2 s for a 400 ms timeout (session 5).
constexpr long long kMarginMs = 10000;
// A trickle slower than the receive timeout ("one byte a second", scaled to kTimeoutMs).
constexpr auto kTrickleGap = 700ms;
// A drip faster than the receive timeout: each byte is in time, the head as a whole is not.
constexpr auto kDripGap = 60ms;
constexpr DWORD kReceiveResponseTimeoutMs = 500;
// A request body larger than the loopback socket buffers can take without the server reading,
// so the client's send really blocks. The upload cells' server announces small buffers
// (ScriptedServer::Options::small_buffers): the client then blocks after some 70-250 KiB
// (measured) instead of 4-6 MiB, which a short-I/O build, writing 1-7 bytes per call, also
// reaches well within the server's limit. 16 MiB stays far above either.
constexpr DWORD kBigUpload = 16u << 20;
// ERROR_CALL_NOT_IMPLEMENTED (winerror.h), what async request calls answer until async lands.
constexpr DWORD kCallNotImplemented = 120;

enum class Phase { Connect, RequestRead, StatusLine, Headers, Body, ChunkBoundary, Trailers };
enum class Call { None, SendRequest, ReceiveResponse, QueryDataAvailable, ReadData };
enum class Mode { Sync, Async };
// Who answers the client: the scripted server, nobody (a refused port), or a listener whose
// accept queue is full (the SYN is dropped: connect hangs).
enum class Listener { Scripted, Refused, FullBacklog };

const char* phase_name(Phase p) {
    switch (p) {
        case Phase::Connect: return "Connect";
        case Phase::RequestRead: return "RequestRead";
        case Phase::StatusLine: return "StatusLine";
        case Phase::Headers: return "Headers";
        case Phase::Body: return "Body";
        case Phase::ChunkBoundary: return "ChunkBoundary";
        case Phase::Trailers: return "Trailers";
    }
    return "?";
}

const char* call_name(Call c) {
    switch (c) {
        case Call::None: return "none (success)";
        case Call::SendRequest: return "WinHttpSendRequest";
        case Call::ReceiveResponse: return "WinHttpReceiveResponse";
        case Call::QueryDataAvailable: return "WinHttpQueryDataAvailable";
        case Call::ReadData: return "WinHttpReadData";
    }
    return "?";
}

struct Cell {
    Phase phase;
    std::string fault;  // CamelCase, part of the test name
    Script script;      // what the server does on the first connection
    Call fails_in;      // Call::None: the request succeeds (then `body` is checked)
    DWORD error;        // GetLastError() / WINHTTP_ASYNC_RESULT::dwError of the failing call
    const char* source; // where `error` comes from (see the file comment)
    DWORD upload = 0;   // request body size: 0 = GET, else a POST of that many bytes
    bool read_only = false;  // read the body with WinHttpReadData alone, no QueryDataAvailable
    DWORD receive_response_timeout = 0;  // WINHTTP_OPTION_RECEIVE_RESPONSE_TIMEOUT, 0 = default
    Listener listener = Listener::Scripted;
    std::string body;   // Call::None: the expected body
    // Non-null: the current engine gives a different answer; the cell is skipped with this
    // reason until the engine is fixed (listed in the issue report).
    const char* known_gap = nullptr;
};

// GoogleTest prints parameters with this (found by ADL): a cell prints as its name.
void PrintTo(const Cell& c, std::ostream* os) {
    *os << phase_name(c.phase) << "_" << c.fault;
}

const std::string kHead200 = "HTTP/1.1 200 OK\r\n";
const std::string kChunkedHead = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
const std::string kLengthHead = "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n";

// The first connection's script: read the request, then `fault`; a connection that the fault
// leaves open ends by checking that the client drops it.
Script after_request(std::vector<Step> fault, bool leaves_open = true) {
    Script s{Step::read_request()};
    for (auto& step : fault) s.push_back(std::move(step));
    if (leaves_open) s.push_back(Step::expect_client_close());
    return s;
}

// Sends `bytes`, waits long enough for the client to take them as a separate read, then
// applies `end` (reset or close).
std::vector<Step> send_then(std::string bytes, Step end) {
    return {Step::send(std::move(bytes)), Step::sleep(100ms), std::move(end)};
}

std::vector<Cell> connect_cells() {
    return {
        {Phase::Connect, "Refused", {}, Call::SendRequest, ERROR_WINHTTP_CANNOT_CONNECT, "[SR]",
         0, false, 0, Listener::Refused},
        {Phase::Connect, "Stall", {}, Call::SendRequest, ERROR_WINHTTP_TIMEOUT, "[SR] [TO]", 0,
         false, 0, Listener::FullBacklog},
        // Accepted, then reset before the request is read: the request went out, so the
        // failure shows when the response is awaited.
        {Phase::Connect, "Reset", {Step::sleep(100ms), Step::reset()}, Call::ReceiveResponse,
         ERROR_WINHTTP_CONNECTION_ERROR, "[RR]"},
        {Phase::Connect, "Close", {Step::sleep(100ms), Step::close()}, Call::ReceiveResponse,
         ERROR_WINHTTP_INVALID_SERVER_RESPONSE, "[RR] (closed without a response)"},
        // Accepted, and then nothing: neither read nor answer.
        {Phase::Connect, "SilentAccept", {Step::stall(10s)}, Call::ReceiveResponse,
         ERROR_WINHTTP_TIMEOUT, "[RR] [TO]"},
    };
}

std::vector<Cell> request_read_cells() {
    const Step head = Step::read_until("\r\n\r\n");
    // The client's close cannot reach a server that does not read: its FIN queues behind the
    // unread body. So these steps end by their limit, soon after the client gave up.
    const auto limit = std::chrono::milliseconds(kTimeoutMs) + 1500ms;
    return {
        // The server takes the head and resets while the body is still going out.
        {Phase::RequestRead, "Reset", {head, Step::reset()}, Call::SendRequest,
         ERROR_WINHTTP_CONNECTION_ERROR, "[SR]", kBigUpload},
        {Phase::RequestRead, "Stall", {head, Step::stall(limit)}, Call::SendRequest,
         ERROR_WINHTTP_TIMEOUT, "[SR] [TO]", kBigUpload},
        {Phase::RequestRead, "Trickle", {head, Step::read_slowly(kTrickleGap, limit)},
         Call::SendRequest, ERROR_WINHTTP_TIMEOUT, "[SR] [TO]", kBigUpload},
        // Half a request line read, then an orderly close: no response at all.
        {Phase::RequestRead, "Close", {Step::read_bytes(4), Step::close()}, Call::ReceiveResponse,
         ERROR_WINHTTP_INVALID_SERVER_RESPONSE, "[RR] (closed without a response)"},
    };
}

std::vector<Cell> status_line_cells() {
    const std::string head = kHead200 + "Content-Length: 0\r\n\r\n";
    std::string continues;
    for (int i = 0; i < 12; ++i) continues += "HTTP/1.1 100 Continue\r\n\r\n";
    return {
        {Phase::StatusLine, "Reset", after_request(send_then("HTTP/1.1 2", Step::reset()), false),
         Call::ReceiveResponse, ERROR_WINHTTP_CONNECTION_ERROR, "[RR]"},
        {Phase::StatusLine, "Stall", after_request({Step::send("HTTP/1.1 2"), Step::stall(10s)}),
         Call::ReceiveResponse, ERROR_WINHTTP_TIMEOUT, "[RR] [TO]"},
        {Phase::StatusLine, "Trickle", after_request({Step::send_split(head, 1, kTrickleGap)}),
         Call::ReceiveResponse, ERROR_WINHTTP_TIMEOUT, "[RR] [TO]"},
        {Phase::StatusLine, "Drip", after_request({Step::send_split(head, 1, kDripGap)}),
         Call::ReceiveResponse, ERROR_WINHTTP_TIMEOUT, "[TO] (RECEIVE_RESPONSE_TIMEOUT)", 0,
         false, kReceiveResponseTimeoutMs},
        {Phase::StatusLine, "Garbage", after_request({Step::send("HTTP/1.1 2x0 OK\r\n\r\n")}),
         Call::ReceiveResponse, ERROR_WINHTTP_INVALID_SERVER_RESPONSE, "[RR]"},
        {Phase::StatusLine, "NotHttp", after_request({Step::send("SSH-2.0-OpenSSH_9.6\r\n\r\n")}),
         Call::ReceiveResponse, ERROR_WINHTTP_INVALID_SERVER_RESPONSE, "[RR]"},
        {Phase::StatusLine, "Oversized",
         after_request({Step::send("HTTP/1.1 200 " + std::string(70000, 'r') + "\r\n\r\n")}),
         Call::ReceiveResponse, ERROR_WINHTTP_HEADER_SIZE_OVERFLOW, "[RR] [MAX]"},
        {Phase::StatusLine, "Endless", after_request({Step::send_endless("HTTP/1.1 200 ", "r")},
                                                     false),
         Call::ReceiveResponse, ERROR_WINHTTP_HEADER_SIZE_OVERFLOW, "[RR] [MAX]"},
        // More interim responses than MAX_HTTP_STATUS_CONTINUE (default 10) allows.
        {Phase::StatusLine, "EndlessContinue", after_request({Step::send(continues + head)}),
         Call::ReceiveResponse, ERROR_WINHTTP_INVALID_SERVER_RESPONSE, "[MAX] [OWN]"},
        {Phase::StatusLine, "Close", after_request(send_then("HTTP/1.1 2", Step::close()), false),
         Call::ReceiveResponse, ERROR_WINHTTP_INVALID_SERVER_RESPONSE, "[RR]"},
    };
}

std::vector<Cell> header_cells() {
    const std::string partial = kHead200 + "Content-Type: text/plain\r\nX-Half: ";
    const std::string head = kHead200 + "X-Slow: " + std::string(20, 's') + "\r\n\r\n";
    std::string many = kHead200;
    for (int i = 0; i < 20000; ++i) many += "a:\r\n";
    auto length_head = [](const std::string& fields) {
        return kHead200 + fields + "\r\n\r\nbody";
    };
    // RFC 9110 §5.5: a recipient of CR, LF or NUL in a field value "MUST either reject the
    // message or replace each of those characters with SP"; we reject, as for other garbage.
    Cell nul_in_value{Phase::Headers, "NulInValue",
                      after_request({Step::send(kHead200 + std::string("X-A: a\0b\r\n"
                                                                       "Content-Length: 0\r\n\r\n",
                                                                       31))}),
                      Call::ReceiveResponse, ERROR_WINHTTP_INVALID_SERVER_RESPONSE, "[RR] [RFC]"};
    return {
        {Phase::Headers, "Reset", after_request(send_then(partial, Step::reset()), false),
         Call::ReceiveResponse, ERROR_WINHTTP_CONNECTION_ERROR, "[RR]"},
        {Phase::Headers, "Stall", after_request({Step::send(partial), Step::stall(10s)}),
         Call::ReceiveResponse, ERROR_WINHTTP_TIMEOUT, "[RR] [TO]"},
        {Phase::Headers, "Trickle",
         after_request({Step::send(kHead200), Step::send_split(head.substr(kHead200.size()), 1,
                                                                kTrickleGap)}),
         Call::ReceiveResponse, ERROR_WINHTTP_TIMEOUT, "[RR] [TO]"},
        {Phase::Headers, "Drip",
         after_request({Step::send(kHead200), Step::send_split(head.substr(kHead200.size()), 1,
                                                                kDripGap)}),
         Call::ReceiveResponse, ERROR_WINHTTP_TIMEOUT, "[TO] (RECEIVE_RESPONSE_TIMEOUT)", 0,
         false, kReceiveResponseTimeoutMs},
        {Phase::Headers, "Garbage",
         after_request({Step::send(kHead200 + "this is not a header\r\n\r\n")}),
         Call::ReceiveResponse, ERROR_WINHTTP_INVALID_SERVER_RESPONSE, "[RR]"},
        nul_in_value,
        {Phase::Headers, "Oversized",
         after_request({Step::send(kHead200 + "X-Big: " + std::string(70000, 'h') +
                                   "\r\nContent-Length: 0\r\n\r\n")}),
         Call::ReceiveResponse, ERROR_WINHTTP_HEADER_SIZE_OVERFLOW, "[RR] [MAX]"},
        {Phase::Headers, "Endless",
         after_request({Step::send_endless(kHead200, "X-Endless: 0123456789\r\n")}, false),
         Call::ReceiveResponse, ERROR_WINHTTP_HEADER_SIZE_OVERFLOW, "[RR] [MAX]"},
        // 20000 tiny headers (80 KB): the size limit is reached before any count limit.
        // Windows documents HEADER_COUNT_EXCEEDED without saying where the limit is.
        {Phase::Headers, "ManyHeaders", after_request({Step::send(many + "\r\n")}),
         Call::ReceiveResponse, ERROR_WINHTTP_HEADER_SIZE_OVERFLOW, "[RR] [MAX]"},
        {Phase::Headers, "OverflowingLength",
         after_request({Step::send(length_head("Content-Length: 99999999999999999999999"))}),
         Call::ReceiveResponse, ERROR_WINHTTP_INVALID_SERVER_RESPONSE, "[RR] [RFC]"},
        {Phase::Headers, "NegativeLength",
         after_request({Step::send(length_head("Content-Length: -1"))}), Call::ReceiveResponse,
         ERROR_WINHTTP_INVALID_SERVER_RESPONSE, "[RR] [RFC]"},
        {Phase::Headers, "LengthAndChunked",
         after_request({Step::send(kHead200 +
                                   "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"
                                   "5\r\nhello\r\n0\r\n\r\n")}),
         Call::ReceiveResponse, ERROR_WINHTTP_INVALID_SERVER_RESPONSE, "[RFC] [OWN]"},
        {Phase::Headers, "ConflictingLengths",
         after_request({Step::send(length_head("Content-Length: 4\r\nContent-Length: 5"))}),
         Call::ReceiveResponse, ERROR_WINHTTP_INVALID_SERVER_RESPONSE, "[RFC]"},
        {Phase::Headers, "Close", after_request(send_then(partial, Step::close()), false),
         Call::ReceiveResponse, ERROR_WINHTTP_INVALID_SERVER_RESPONSE, "[RR]"},
    };
}

std::vector<Cell> body_cells() {
    const std::string some = kLengthHead + std::string(100, 'b');
    Cell reset_read{Phase::Body, "ResetReadOnly",
                    after_request(send_then(some, Step::reset()), false), Call::ReadData,
                    ERROR_WINHTTP_CONNECTION_ERROR, "[RD]"};
    reset_read.read_only = true;
    Cell stall_read{Phase::Body, "StallReadOnly",
                    after_request({Step::send(some), Step::stall(10s)}), Call::ReadData,
                    ERROR_WINHTTP_TIMEOUT, "[RD] [TO]"};
    stall_read.read_only = true;
    Cell trailing{Phase::Body, "GarbageAfterBody",
                  after_request({Step::send(kHead200 + "Content-Length: 5\r\n\r\nhello" +
                                            "HTTP/1.1 200 OK\r\nX-Smuggled: 1\r\n")}),
                  Call::None, ERROR_SUCCESS, "[OWN] (complete body; the poisoned connection "
                                             "is not pooled)"};
    trailing.body = "hello";
    return {
        {Phase::Body, "Reset", after_request(send_then(some, Step::reset()), false),
         Call::QueryDataAvailable, ERROR_WINHTTP_CONNECTION_ERROR, "[RD]"},
        reset_read,
        {Phase::Body, "Stall", after_request({Step::send(some), Step::stall(10s)}),
         Call::QueryDataAvailable, ERROR_WINHTTP_TIMEOUT, "[RD] [TO]"},
        stall_read,
        {Phase::Body, "Trickle",
         after_request({Step::send(kLengthHead), Step::send_split(std::string(50, 'b'), 1,
                                                                   kTrickleGap)}),
         Call::QueryDataAvailable, ERROR_WINHTTP_TIMEOUT, "[RD] [TO]"},
        {Phase::Body, "Close", after_request(send_then(some, Step::close()), false),
         Call::QueryDataAvailable, ERROR_WINHTTP_CONNECTION_ERROR, "[RD]"},
        trailing,
    };
}

std::vector<Cell> chunk_cells() {
    const std::string one = kChunkedHead + "5\r\nhello\r\n";
    auto chunked = [](const std::string& rest) { return after_request({Step::send(kChunkedHead + rest)}); };
    // RFC 9112 §7.1: chunk data is followed by CRLF; "hello" is handed over, then the framing
    // error fails the next read (the response parser checks what llhttp 8.1 skips).
    Cell no_crlf{Phase::ChunkBoundary, "GarbageAfterChunkData",
                 chunked("5\r\nhelloXX0\r\n\r\n"), Call::QueryDataAvailable,
                 ERROR_WINHTTP_INVALID_SERVER_RESPONSE, "[RD] [RFC]"};
    return {
        {Phase::ChunkBoundary, "Reset", after_request(send_then(one, Step::reset()), false),
         Call::QueryDataAvailable, ERROR_WINHTTP_CONNECTION_ERROR, "[RD]"},
        {Phase::ChunkBoundary, "Stall", after_request({Step::send(one), Step::stall(10s)}),
         Call::QueryDataAvailable, ERROR_WINHTTP_TIMEOUT, "[RD] [TO]"},
        {Phase::ChunkBoundary, "Trickle",
         after_request({Step::send(one), Step::send_split("5\r\nworld\r\n0\r\n\r\n", 1,
                                                          kTrickleGap)}),
         Call::QueryDataAvailable, ERROR_WINHTTP_TIMEOUT, "[RD] [TO]"},
        {Phase::ChunkBoundary, "Garbage", chunked("5\r\nhello\r\nzz\r\nx\r\n0\r\n\r\n"),
         Call::QueryDataAvailable, ERROR_WINHTTP_INVALID_SERVER_RESPONSE, "[RD]"},
        no_crlf,
        // 2^76: more than 64 bits. [RR] names CHUNKED_ENCODING_HEADER_SIZE_OVERFLOW for "an
        // overflow in the course of parsing chunked encoding"; we read that as the size of the
        // chunk header (next cells) and report a chunk size that cannot be represented as a
        // malformed response, as for Content-Length.
        {Phase::ChunkBoundary, "OverflowingLength", chunked("fffffffffffffffffff\r\nx\r\n0\r\n\r\n"),
         Call::QueryDataAvailable, ERROR_WINHTTP_INVALID_SERVER_RESPONSE, "[RD] [OWN]"},
        {Phase::ChunkBoundary, "NegativeLength", chunked("-5\r\nhello\r\n0\r\n\r\n"),
         Call::QueryDataAvailable, ERROR_WINHTTP_INVALID_SERVER_RESPONSE, "[RD]"},
        {Phase::ChunkBoundary, "OversizedExtension",
         chunked("5;ext=" + std::string(8000, 'e') + "\r\nhello\r\n0\r\n\r\n"),
         Call::QueryDataAvailable, ERROR_WINHTTP_CHUNKED_ENCODING_HEADER_SIZE_OVERFLOW, "[RR]"},
        {Phase::ChunkBoundary, "EndlessExtension",
         after_request({Step::send_endless(kChunkedHead + "5;ext=", "e")}, false),
         Call::QueryDataAvailable, ERROR_WINHTTP_CHUNKED_ENCODING_HEADER_SIZE_OVERFLOW, "[RR]"},
        {Phase::ChunkBoundary, "Close", after_request(send_then(one, Step::close()), false),
         Call::QueryDataAvailable, ERROR_WINHTTP_CONNECTION_ERROR, "[RD]"},
    };
}

std::vector<Cell> trailer_cells() {
    const std::string last = kChunkedHead + "5\r\nhello\r\n0\r\nX-Trailer: ";
    return {
        {Phase::Trailers, "Reset", after_request(send_then(last, Step::reset()), false),
         Call::QueryDataAvailable, ERROR_WINHTTP_CONNECTION_ERROR, "[RD]"},
        {Phase::Trailers, "Stall", after_request({Step::send(last), Step::stall(10s)}),
         Call::QueryDataAvailable, ERROR_WINHTTP_TIMEOUT, "[RD] [TO]"},
        {Phase::Trailers, "Trickle",
         after_request({Step::send(last), Step::send_split("value\r\n\r\n", 1, kTrickleGap)}),
         Call::QueryDataAvailable, ERROR_WINHTTP_TIMEOUT, "[RD] [TO]"},
        {Phase::Trailers, "Garbage",
         after_request({Step::send(kChunkedHead + "5\r\nhello\r\n0\r\nnot a trailer\r\n\r\n")}),
         Call::QueryDataAvailable, ERROR_WINHTTP_INVALID_SERVER_RESPONSE, "[RD]"},
        {Phase::Trailers, "Oversized",
         after_request({Step::send(last + std::string(70000, 't') + "\r\n\r\n")}),
         Call::QueryDataAvailable, ERROR_WINHTTP_CHUNKED_ENCODING_HEADER_SIZE_OVERFLOW, "[RR]"},
        {Phase::Trailers, "Endless",
         after_request({Step::send_endless(kChunkedHead + "5\r\nhello\r\n0\r\n",
                                           "X-Endless: 0123456789\r\n")},
                       false),
         Call::QueryDataAvailable, ERROR_WINHTTP_CHUNKED_ENCODING_HEADER_SIZE_OVERFLOW, "[RR]"},
        {Phase::Trailers, "Close", after_request(send_then(last, Step::close()), false),
         Call::QueryDataAvailable, ERROR_WINHTTP_CONNECTION_ERROR, "[RD]"},
    };
}

std::vector<Cell> all_cells() {
    std::vector<Cell> all;
    for (auto part : {connect_cells, request_read_cells, status_line_cells, header_cells,
                      body_cells, chunk_cells, trailer_cells}) {
        for (auto& c : part()) all.push_back(std::move(c));
    }
    return all;
}

// ===== Drivers ================================================================================

struct Attempt {
    Call failed = Call::None;
    DWORD error = ERROR_SUCCESS;
    long long call_ms = 0;  // how long the failing call (or the whole run) took
    std::string body;
    bool not_implemented = false;  // async SendRequest said ERROR_CALL_NOT_IMPLEMENTED
    bool hung = false;             // async: no outcome within the bounded wait
};

std::string upload_data(DWORD size) { return std::string(size, 'u'); }

// Microsoft's synchronous sample: SendRequest, ReceiveResponse, then QueryDataAvailable and
// ReadData of what is available until 0 (or ReadData alone until it returns 0 bytes).
Attempt run_sync(HINTERNET request, DWORD upload, bool read_only) {
    Attempt a;
    std::string data = upload_data(upload);
    auto fail = [&](Call call, const Stopwatch& sw) {
        a.failed = call;
        a.error = GetLastError();
        a.call_ms = sw.ms();
        return a;
    };
    {
        Stopwatch sw;
        SetLastError(kSentinel);
        if (!WinHttpSendRequest(request, WINHTTP_NO_ADDITIONAL_HEADERS, 0,
                                upload ? data.data() : WINHTTP_NO_REQUEST_DATA, upload, upload, 0))
            return fail(Call::SendRequest, sw);
    }
    {
        Stopwatch sw;
        SetLastError(kSentinel);
        if (!WinHttpReceiveResponse(request, nullptr)) return fail(Call::ReceiveResponse, sw);
    }
    std::vector<char> buf(16384);
    for (int guard = 0; guard < 100000; ++guard) {
        DWORD want = static_cast<DWORD>(buf.size());
        if (!read_only) {
            Stopwatch sw;
            DWORD avail = 0;
            SetLastError(kSentinel);
            if (!WinHttpQueryDataAvailable(request, &avail))
                return fail(Call::QueryDataAvailable, sw);
            if (avail == 0) return a;
            want = std::min(avail, want);
        }
        Stopwatch sw;
        DWORD got = 0;
        SetLastError(kSentinel);
        if (!WinHttpReadData(request, buf.data(), want, &got)) return fail(Call::ReadData, sw);
        if (got == 0) return a;
        a.body.append(buf.data(), std::min(got, want));
    }
    return a;
}

// Microsoft's asynchronous sample: each completion starts the next call from the status
// callback; REQUEST_ERROR ends the run with WINHTTP_ASYNC_RESULT {API_* id, error}. The test
// thread waits for the outcome on a condition variable, never without a bound.
class AsyncRun {
  public:
    AsyncRun(DWORD upload, bool read_only) : data_(upload_data(upload)), read_only_(read_only) {}

    static void CALLBACK callback(HINTERNET h, DWORD_PTR context, DWORD status, LPVOID info,
                                  DWORD length) {
        if (context == 0) return;  // session and connect handles carry no context
        reinterpret_cast<AsyncRun*>(context)->on_status(h, status, info, length);
    }

    // Starts the request; false when SendRequest itself failed (then finished() is true).
    void start(HINTERNET request) {
        issue(Call::SendRequest);
        SetLastError(kSentinel);
        const DWORD size = static_cast<DWORD>(data_.size());
        if (!WinHttpSendRequest(request, WINHTTP_NO_ADDITIONAL_HEADERS, 0,
                                size ? data_.data() : WINHTTP_NO_REQUEST_DATA, size, size,
                                reinterpret_cast<DWORD_PTR>(this))) {
            const DWORD e = GetLastError();
            std::lock_guard lock(mutex_);
            if (e == kCallNotImplemented) result_.not_implemented = true;
            finish_locked(Call::SendRequest, e);
        }
    }

    // The outcome, waiting at most `bound`.
    Attempt wait(std::chrono::milliseconds bound) {
        std::unique_lock lock(mutex_);
        if (!changed_.wait_for(lock, bound, [&] { return done_; })) result_.hung = true;
        return result_;
    }

    // After WinHttpCloseHandle of the request: HANDLE_CLOSING is the last callback, after which
    // this object may go. False if it did not come within `bound`.
    bool wait_closed(std::chrono::milliseconds bound) {
        std::unique_lock lock(mutex_);
        return changed_.wait_for(lock, bound, [&] { return closed_; });
    }

  private:
    void on_status(HINTERNET h, DWORD status, LPVOID info, DWORD length) {
        switch (status) {
            case WINHTTP_CALLBACK_STATUS_SENDREQUEST_COMPLETE:
                issue(Call::ReceiveResponse);
                if (!WinHttpReceiveResponse(h, nullptr)) finish(Call::ReceiveResponse, GetLastError());
                break;
            case WINHTTP_CALLBACK_STATUS_HEADERS_AVAILABLE:
                next_read(h);
                break;
            case WINHTTP_CALLBACK_STATUS_DATA_AVAILABLE: {
                const DWORD avail = info ? *static_cast<DWORD*>(info) : 0;
                if (avail == 0) {
                    finish(Call::None, ERROR_SUCCESS);
                } else {
                    read(h, std::min<DWORD>(avail, sizeof buf_));
                }
                break;
            }
            case WINHTTP_CALLBACK_STATUS_READ_COMPLETE:
                if (length == 0) {
                    finish(Call::None, ERROR_SUCCESS);
                } else {
                    {
                        std::lock_guard lock(mutex_);
                        result_.body.append(buf_, std::min<size_t>(length, sizeof buf_));
                    }
                    next_read(h);
                }
                break;
            case WINHTTP_CALLBACK_STATUS_REQUEST_ERROR: {
                const auto* r = static_cast<WINHTTP_ASYNC_RESULT*>(info);
                finish(call_of(r->dwResult), r->dwError);
                break;
            }
            case WINHTTP_CALLBACK_STATUS_HANDLE_CLOSING: {
                std::lock_guard lock(mutex_);
                closed_ = true;
                changed_.notify_all();
                break;
            }
            default:
                break;
        }
    }

    void next_read(HINTERNET h) {
        if (read_only_) {
            read(h, sizeof buf_);
            return;
        }
        issue(Call::QueryDataAvailable);
        if (!WinHttpQueryDataAvailable(h, nullptr)) finish(Call::QueryDataAvailable, GetLastError());
    }

    void read(HINTERNET h, DWORD n) {
        issue(Call::ReadData);
        if (!WinHttpReadData(h, buf_, n, nullptr)) finish(Call::ReadData, GetLastError());
    }

    static Call call_of(DWORD_PTR api) {
        switch (api) {
            case API_SEND_REQUEST: return Call::SendRequest;
            case API_RECEIVE_RESPONSE: return Call::ReceiveResponse;
            case API_QUERY_DATA_AVAILABLE: return Call::QueryDataAvailable;
            case API_READ_DATA: return Call::ReadData;
            default: return Call::None;
        }
    }

    // Marks the start of a call (named at the call site for the reader); its duration is
    // measured from here.
    void issue(Call /*call*/) {
        std::lock_guard lock(mutex_);
        issued_ = Stopwatch();
    }

    void finish(Call call, DWORD error) {
        std::lock_guard lock(mutex_);
        finish_locked(call, error);
    }

    void finish_locked(Call call, DWORD error) {
        if (done_) return;  // the first outcome counts
        done_ = true;
        result_.failed = call;
        result_.error = error;
        result_.call_ms = issued_.ms();
        changed_.notify_all();
    }

    std::string data_;  // the request body must stay valid until SENDREQUEST_COMPLETE
    const bool read_only_;
    char buf_[16384];
    std::mutex mutex_;
    std::condition_variable changed_;
    Attempt result_;
    bool done_ = false;
    bool closed_ = false;
    Stopwatch issued_;  // when the call in progress was issued
};

// Runs one request on `connect` in `mode` and closes it. Async runs that never see
// HANDLE_CLOSING are kept alive on purpose (a late callback must not touch freed memory) and
// reported.
Attempt run_request_on(HINTERNET connect, Mode mode, DWORD upload, bool read_only,
                       DWORD receive_response_timeout) {
    Handle request(WinHttpOpenRequest(connect, upload ? L"POST" : L"GET", L"/fault", nullptr,
                                      WINHTTP_NO_REFERER, WINHTTP_DEFAULT_ACCEPT_TYPES, 0));
    EXPECT_TRUE(request) << GetLastError();
    if (!request) return {};
    if (receive_response_timeout) {
        EXPECT_TRUE(set_dword_option(request, WINHTTP_OPTION_RECEIVE_RESPONSE_TIMEOUT,
                                     receive_response_timeout))
            << GetLastError();
    }
    if (mode == Mode::Sync) return run_sync(request, upload, read_only);

    static std::mutex graveyard_mutex;
    static std::vector<std::unique_ptr<AsyncRun>> graveyard;
    auto run = std::make_unique<AsyncRun>(upload, read_only);
    DWORD_PTR context = reinterpret_cast<DWORD_PTR>(run.get());
    EXPECT_TRUE(WinHttpSetOption(request, WINHTTP_OPTION_CONTEXT_VALUE, &context, sizeof context))
        << GetLastError();
    run->start(request);
    Attempt a = run->wait(std::chrono::milliseconds(kTimeoutMs + kMarginMs * 2));
    request.reset();
    if (!run->wait_closed(5s)) {
        ADD_FAILURE() << "no HANDLE_CLOSING within 5 s of WinHttpCloseHandle";
        std::lock_guard lock(graveyard_mutex);
        graveyard.push_back(std::move(run));
    }
    return a;
}

// ===== The test ===============================================================================

using Param = std::tuple<Cell, Mode>;

class FaultMatrix : public ::testing::TestWithParam<Param> {};

// A well-behaved answer on a fresh connection, for the request after the fault.
Script fresh_answer() {
    return {Step::read_request(),
            Step::send("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfresh"), Step::stall(5s)};
}

TEST_P(FaultMatrix, ExactErrorNoHangNoReuse) {
    const Cell& cell = std::get<0>(GetParam());
    const Mode mode = std::get<1>(GetParam());
    // WINHTTP_RUN_KNOWN_GAPS=1 runs them anyway, to check a fix.
    if (cell.known_gap && !std::getenv("WINHTTP_RUN_KNOWN_GAPS"))
        GTEST_SKIP() << "known gap: " << cell.known_gap;

    std::optional<ScriptedServer> server;
    std::optional<FullBacklogListener> backlog;
    INTERNET_PORT port = 0;
    switch (cell.listener) {
        case Listener::Scripted:
            server.emplace(std::vector<Script>{cell.script, fresh_answer()},
                           ScriptedServer::Options{.small_buffers = cell.upload != 0});
            port = server->port();
            break;
        case Listener::Refused: port = unused_port(); break;
        case Listener::FullBacklog:
            backlog.emplace();
            ASSERT_TRUE(backlog->ready()) << "could not fill a listen backlog";
            port = backlog->port();
            break;
    }

    Handle session = open_session(mode == Mode::Async ? WINHTTP_FLAG_ASYNC : 0);
    ASSERT_TRUE(session) << GetLastError();
    ASSERT_TRUE(WinHttpSetTimeouts(session, 0, kTimeoutMs, kTimeoutMs, kTimeoutMs));
    if (mode == Mode::Async) {
        ASSERT_NE(WinHttpSetStatusCallback(session, &AsyncRun::callback,
                                           WINHTTP_CALLBACK_FLAG_ALL_COMPLETIONS |
                                               WINHTTP_CALLBACK_FLAG_HANDLES,
                                           0),
                  WINHTTP_INVALID_STATUS_CALLBACK)
            << GetLastError();
    }
    Handle connect(WinHttpConnect(session, L"127.0.0.1", port, 0));
    ASSERT_TRUE(connect) << GetLastError();

    Attempt a = run_request_on(connect, mode, cell.upload, cell.read_only,
                               cell.receive_response_timeout);
    if (a.not_implemented) GTEST_SKIP() << "async requests not implemented yet (SendRequest: 120)";
    ASSERT_FALSE(a.hung) << "async: no outcome within " << kTimeoutMs + 2 * kMarginMs << " ms";

    SCOPED_TRACE(std::string("source: ") + cell.source);
    EXPECT_EQ(call_name(a.failed), std::string(call_name(cell.fails_in)));
    EXPECT_EQ(a.error, cell.error);
    EXPECT_LE(a.call_ms, kTimeoutMs + kMarginMs) << call_name(a.failed) << " took too long";
    if (cell.fails_in == Call::None) EXPECT_EQ(a.body, cell.body);
    if (!server) return;  // nothing was accepted: no connection to reuse

    // No retry behind the application's back: the fault's connection was the only one.
    EXPECT_EQ(server->connections_accepted(), 1u);
    // The next request on the same session and connect handle gets a new connection.
    Attempt next = run_request_on(connect, mode, 0, false, 0);
    EXPECT_EQ(call_name(next.failed), std::string(call_name(Call::None)))
        << "error " << next.error;
    EXPECT_EQ(next.body, "fresh");
    EXPECT_EQ(server->connections_accepted(), 2u);

    connect.reset();
    session.reset();
    EXPECT_TRUE(server->wait_done(2, 5s)) << "a server connection did not finish";
    for (const auto& e : server->errors()) {
        // Other script errors are the fault's own doing (e.g. a trickle into a closed socket).
        EXPECT_EQ(e.find("connection reused"), std::string::npos) << e;
        EXPECT_EQ(e.find("kept open"), std::string::npos) << e;
    }
}

std::string cell_name(const ::testing::TestParamInfo<Param>& info) {
    const Cell& c = std::get<0>(info.param);
    return std::string(phase_name(c.phase)) + "_" + c.fault + "_" +
           (std::get<1>(info.param) == Mode::Sync ? "Sync" : "Async");
}

INSTANTIATE_TEST_SUITE_P(Cells, FaultMatrix,
                         ::testing::Combine(::testing::ValuesIn(all_cells()),
                                            ::testing::Values(Mode::Sync, Mode::Async)),
                         cell_name);

// The table itself: one name per cell, every phase present.
TEST(FaultMatrixTable, NamesAreUniqueAndEveryPhaseIsCovered) {
    std::vector<std::string> names;
    bool seen[7] = {};
    for (const Cell& c : all_cells()) {
        names.push_back(std::string(phase_name(c.phase)) + "_" + c.fault);
        seen[static_cast<int>(c.phase)] = true;
    }
    std::sort(names.begin(), names.end());
    EXPECT_EQ(std::adjacent_find(names.begin(), names.end()), names.end());
    for (bool s : seen) EXPECT_TRUE(s);
}

}  // namespace
