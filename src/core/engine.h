// The request state machine: send headers -> write body -> receive headers -> read body,
// with 1xx skipping, redirects, cookies, decompression and keep-alive hand-back.
//
//   Created ──send──► Sending ──► AwaitingWrite ──write*──► Sent ──receive──► HeadersAvailable
//      ▲                              │ (declared body complete)                  │ read*
//      └──────────── send again (new request on the same handle) ◄── BodyDone ◄───┘
//   any state ──error──► Failed        any state ──close──► (cancelled, connection dropped)
//
// It never knows which thread it runs on. Each operation runs until it completes or fails; I/O
// waits go through net::wait_ready with the handle's timeout and its cancel event, so a close
// from another thread ends any wait at once with ERROR_WINHTTP_OPERATION_CANCELLED.
#pragma once
#include <winhttp.h>

#include <atomic>
#include <memory>
#include <string>

#include "http1/message.h"
#include "net/conn_pool.h"
#include "net/socket.h"

namespace winhttp {

class Request;

class RequestEngine {
public:
    enum class State { Created, AwaitingWrite, Sent, HeadersAvailable, BodyDone, Failed, Count };

    explicit RequestEngine(Request& owner);
    ~RequestEngine();

    // Each returns ERROR_SUCCESS or the WinHTTP error code (see the API pages).
    DWORD send(std::string_view extra_headers, const void* optional, DWORD optional_len,
               DWORD total_len);
    DWORD write(const void* data, DWORD len, DWORD* written);
    DWORD receive_response();
    DWORD query_data_available(DWORD* available);
    DWORD read(void* buffer, DWORD len, DWORD* read, bool fill_buffer);
    DWORD add_headers(std::string_view headers, DWORD modifiers);
    DWORD add_headers_ex(DWORD modifiers, ULONGLONG flags, ULONGLONG reserved, DWORD count,
                         WINHTTP_EXTENDED_HEADER* headers);
    DWORD query_headers(DWORD level, const WCHAR* name, void* buffer, DWORD* len, DWORD* index);
    DWORD query_headers_ex(DWORD level, ULONGLONG flags, UINT codepage, DWORD* index,
                           WINHTTP_HEADER_NAME* name, void* buffer, DWORD* len,
                           WINHTTP_EXTENDED_HEADER** headers, DWORD* count);

    // From WinHttpCloseHandle, on any thread: aborts a blocked operation promptly.
    void cancel() noexcept;

    std::wstring url() const;
    bool started() const noexcept { return state_ != State::Created; }
    DWORD protocol_used() const noexcept { return 0; }  // HTTP/1.x
    bool connection_info(WINHTTP_CONNECTION_INFO& info) const;
    State state() const noexcept { return state_; }

private:
    // --- sending ---
    DWORD open_connection();
    DWORD connect_fresh(const std::string& host, unsigned short port);
    void build_head(http1::RequestHead& head, DWORD content_length, bool has_length);
    DWORD transmit_request();
    // --- receiving ---
    DWORD read_head();
    DWORD fill_input(const net::Deadline& deadline);
    DWORD next_body_piece();
    DWORD follow_redirect(bool& followed);
    DWORD drain_body();
    void finish_message();
    void drop_connection();
    void store_cookies();
    DWORD decode_more();

    net::Deadline receive_deadline() const;
    net::Deadline send_deadline() const;

    Request& owner_;
    State state_ = State::Created;
    net::CancelEvent cancel_;
    std::atomic<bool> cancelled_{false};

    // Where the request goes (changes on redirect).
    bool secure_ = false;
    std::string host_;  // UTF-8, IPv6 literal without brackets
    unsigned short port_ = 80;
    std::string method_;
    std::string target_;

    http1::HeaderList app_headers_;   // added by the application
    http1::RequestHead sent_head_;    // what went on the wire last
    std::string optional_;            // body given to SendRequest (resent on redirect/retry)
    DWORD total_len_ = 0;
    uint64_t body_left_to_write_ = 0;
    bool app_chunked_ = false;
    bool body_streamed_ = false;      // WriteData was used: cannot resend

    std::unique_ptr<Connection> conn_;
    bool conn_reused_ = false;
    bool have_addresses_ = false;
    sockaddr_storage local_{}, remote_{};

    // The codecs live behind a pointer so this header stays light for the API layer.
    struct Codecs;
    std::unique_ptr<Codecs> codecs_;
    std::string in_;            // bytes read from the socket
    size_t in_off_ = 0;         // parsed up to here
    const char* body_ptr_ = nullptr;  // undelivered part of the current body piece
    size_t body_left_ = 0;
    bool message_done_ = false;
    net::Deadline head_deadline_;
    unsigned redirects_ = 0;

    bool decoding_ = false;
    std::string decoded_;
    size_t decoded_off_ = 0;
};

}  // namespace winhttp
