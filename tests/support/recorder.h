// Records WinHTTP status callbacks, from any thread, for tests to compare against an ordered
// table of expected notifications.
//
//     CallbackRecorder rec;
//     WinHttpSetStatusCallback(session, CallbackRecorder::record,
//                              WINHTTP_CALLBACK_FLAG_ALL_NOTIFICATIONS, 0);
//     DWORD_PTR ctx = rec.context();
//     WinHttpSetOption(request, WINHTTP_OPTION_CONTEXT_VALUE, &ctx, sizeof ctx);
//     ... WinHttpSendRequest(request, ..., ctx) ...
//     ASSERT_TRUE(rec.wait_for(WINHTTP_CALLBACK_STATUS_SENDREQUEST_COMPLETE));
//     EXPECT_THAT(rec.statuses(request), ElementsAre(...)) << rec.dump();
//
// The callback's context value must be the recorder's address (context()); callbacks with a
// zero context cannot reach a recorder: they are counted in CallbackRecorder::ignored(). The
// recorder must outlive every callback that can reach it, HANDLE_CLOSING included.
#pragma once

#include <winhttp.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace winhttp::test {

// One callback, with copies of its payload taken while the pointer was valid.
struct CallbackEvent {
    HINTERNET handle = nullptr;  // hInternet
    DWORD status = 0;            // dwInternetStatus
    const void* info = nullptr;  // lpvStatusInformation as passed: compare, never dereference
    DWORD length = 0;            // dwStatusInformationLength
    std::thread::id thread;      // the thread the callback ran on

    // Payload copies, filled according to `status`; the others stay empty/zero.
    // HANDLE_CREATED, HANDLE_CLOSING: the HINTERNET that info points at.
    HINTERNET handle_value = nullptr;
    // The DWORD at info: REQUEST_SENT, RESPONSE_RECEIVED, DATA_AVAILABLE,
    // INTERMEDIATE_RESPONSE, SECURE_FAILURE, WRITE_COMPLETE. On a WebSocket handle,
    // READ_COMPLETE and WRITE_COMPLETE carry a WINHTTP_WEB_SOCKET_STATUS whose first member
    // is dwBytesTransferred, so `value` is that count there.
    DWORD value = 0;
    // REQUEST_ERROR (the leading WINHTTP_ASYNC_RESULT of the WebSocket variant too).
    WINHTTP_ASYNC_RESULT result{};
    // The wide string at info: RESOLVING_NAME, NAME_RESOLVED, CONNECTING_TO_SERVER,
    // CONNECTED_TO_SERVER, REDIRECT.
    std::wstring text;
    // The `length` bytes at info: READ_COMPLETE (the data read into the application's buffer,
    // or the WINHTTP_WEB_SOCKET_STATUS on a WebSocket handle), WRITE_COMPLETE, REQUEST_ERROR.
    std::string bytes;
};

// One row of an ordered table of expected notifications. Only the fields set are compared:
// `text` with CallbackEvent::text, `value` with CallbackEvent::value, `result` with the
// WINHTTP_ASYNC_RESULT of REQUEST_ERROR, `length` with dwStatusInformationLength, `bytes`
// with the copied payload (READ_COMPLETE data).
struct Expected {
    DWORD status = 0;
    std::optional<std::wstring> text{};
    std::optional<DWORD> value{};
    std::optional<WINHTTP_ASYNC_RESULT> result{};
    std::optional<DWORD> length{};
    std::optional<std::string> bytes{};
};

// Compares `got` with `want` row by row; "" when they match, else a readable report of the
// first difference followed by both sequences.
std::string compare_events(const std::vector<CallbackEvent>& got, const std::vector<Expected>& want);

class CallbackRecorder {
  public:
    static constexpr size_t npos = static_cast<size_t>(-1);
    using Clock = std::chrono::steady_clock;

    CallbackRecorder() = default;
    CallbackRecorder(const CallbackRecorder&) = delete;
    CallbackRecorder& operator=(const CallbackRecorder&) = delete;

    // A WINHTTP_STATUS_CALLBACK: `ctx` must be a CallbackRecorder's context().
    static void CALLBACK record(HINTERNET h, DWORD_PTR ctx, DWORD status, LPVOID info, DWORD len);

    DWORD_PTR context() const { return reinterpret_cast<DWORD_PTR>(this); }

    // Called on the callback's thread after each event is recorded, outside the recorder's
    // lock, with the original arguments: lets an async test chain the next call (e.g.
    // WinHttpReceiveResponse on SENDREQUEST_COMPLETE). Set it before the first callback.
    using Reaction = std::function<void(HINTERNET h, DWORD status, LPVOID info, DWORD len)>;
    void set_reaction(Reaction reaction);

    std::vector<CallbackEvent> events() const;
    // Events of one handle, in order.
    std::vector<CallbackEvent> events_for(HINTERNET h) const;
    // Statuses in order; of one handle if `h` is not null.
    std::vector<DWORD> statuses(HINTERNET h = nullptr) const;
    size_t count(DWORD status, HINTERNET h = nullptr) const;
    // Index into events() of the first `status` (of handle `h` if not null), or npos.
    size_t index_of(DWORD status, HINTERNET h = nullptr) const;
    // Waits until `count(status, h) >= n`; false on timeout.
    bool wait_for(DWORD status, size_t n = 1,
                  std::chrono::milliseconds timeout = std::chrono::seconds(10),
                  HINTERNET h = nullptr) const;
    // How many events have been recorded so far (an index for wait_match).
    size_t size() const;
    // Waits until an event at index `from` or later satisfies `match`; copies it to *out (when
    // not null) and returns its index, or npos on timeout. Scans only the new events, so a
    // test that waits for each of many thousands of completions stays linear.
    size_t wait_match(size_t from, const std::function<bool(const CallbackEvent&)>& match,
                      std::chrono::milliseconds timeout, CallbackEvent* out = nullptr) const;
    // Callbacks that arrived with a zero context, process-wide.
    static size_t ignored();
    void clear();

    // One line per event ("#3 h=0x2 REQUEST_ERROR result=5 error=12002 tid=..."), for
    // failure messages.
    std::string dump() const;
    // "SENDREQUEST_COMPLETE" for WINHTTP_CALLBACK_STATUS_SENDREQUEST_COMPLETE; hex otherwise.
    static std::string status_name(DWORD status);

  private:
    void add(CallbackEvent event);

    mutable std::mutex mutex_;
    mutable std::condition_variable changed_;
    std::vector<CallbackEvent> events_;
    Reaction reaction_;
    static std::atomic<size_t> ignored_;
};

}  // namespace winhttp::test
