#include "support/recorder.h"

#include <algorithm>
#include <cstring>
#include <cwchar>
#include <sstream>

namespace winhttp::test {
namespace {

// Copies a POD payload if the callback says it passed at least that many bytes; a too-short
// length leaves the zero value, so a wrong length shows up in the test instead of an overread.
template <typename T>
T copy_payload(const void* info, DWORD len) {
    T value{};
    if (info && len >= sizeof(T)) std::memcpy(&value, info, sizeof(T));
    return value;
}

// The strings are NUL-terminated; `len` (characters, as Windows passes it) bounds the scan.
std::wstring copy_text(const void* info, DWORD len) {
    if (!info) return {};
    const auto* s = static_cast<const wchar_t*>(info);
    return std::wstring(s, len ? ::wcsnlen(s, len) : std::wcslen(s));
}

std::string copy_bytes(const void* info, DWORD len) {
    if (!info) return {};
    return std::string(static_cast<const char*>(info), len);
}

// Fills the payload copies of `e` that its status defines.
void copy_payloads(CallbackEvent& e) {
    switch (e.status) {
        case WINHTTP_CALLBACK_STATUS_HANDLE_CREATED:
        case WINHTTP_CALLBACK_STATUS_HANDLE_CLOSING:
            e.handle_value = copy_payload<HINTERNET>(e.info, e.length);
            break;
        case WINHTTP_CALLBACK_STATUS_REQUEST_SENT:
        case WINHTTP_CALLBACK_STATUS_RESPONSE_RECEIVED:
        case WINHTTP_CALLBACK_STATUS_DATA_AVAILABLE:
        case WINHTTP_CALLBACK_STATUS_INTERMEDIATE_RESPONSE:
        case WINHTTP_CALLBACK_STATUS_SECURE_FAILURE:
            e.value = copy_payload<DWORD>(e.info, e.length);
            break;
        case WINHTTP_CALLBACK_STATUS_WRITE_COMPLETE:
            e.value = copy_payload<DWORD>(e.info, e.length);
            e.bytes = copy_bytes(e.info, e.length);
            break;
        case WINHTTP_CALLBACK_STATUS_READ_COMPLETE:
            e.bytes = copy_bytes(e.info, e.length);
            break;
        case WINHTTP_CALLBACK_STATUS_REQUEST_ERROR:
            e.result = copy_payload<WINHTTP_ASYNC_RESULT>(e.info, e.length);
            e.bytes = copy_bytes(e.info, e.length);
            break;
        case WINHTTP_CALLBACK_STATUS_RESOLVING_NAME:
        case WINHTTP_CALLBACK_STATUS_NAME_RESOLVED:
        case WINHTTP_CALLBACK_STATUS_CONNECTING_TO_SERVER:
        case WINHTTP_CALLBACK_STATUS_CONNECTED_TO_SERVER:
        case WINHTTP_CALLBACK_STATUS_REDIRECT:
            e.text = copy_text(e.info, e.length);
            break;
        default:
            break;
    }
}

// For dump(): ASCII as is, anything else as '?'.
std::string narrow(const std::wstring& text) {
    std::string out;
    for (wchar_t c : text) out += (c > 0 && c < 0x80) ? static_cast<char>(c) : '?';
    return out;
}

bool matches(const CallbackEvent& e, DWORD status, HINTERNET h) {
    return e.status == status && (h == nullptr || e.handle == h);
}

}  // namespace

std::atomic<size_t> CallbackRecorder::ignored_{0};

void CALLBACK CallbackRecorder::record(HINTERNET h, DWORD_PTR ctx, DWORD status, LPVOID info,
                                       DWORD len) {
    if (ctx == 0) {
        ++ignored_;
        return;
    }
    auto* self = reinterpret_cast<CallbackRecorder*>(ctx);
    CallbackEvent e;
    e.handle = h;
    e.status = status;
    e.info = info;
    e.length = len;
    e.thread = std::this_thread::get_id();
    copy_payloads(e);
    // The reaction is copied first: once add() has recorded the event, a test waiting for it
    // (HANDLE_CLOSING, typically) may destroy the recorder, so add() is the last use of `self`.
    Reaction reaction;
    {
        std::lock_guard lock(self->mutex_);
        reaction = self->reaction_;
    }
    self->add(std::move(e));
    if (reaction) reaction(h, status, info, len);
}

void CallbackRecorder::add(CallbackEvent event) {
    std::lock_guard lock(mutex_);
    events_.push_back(std::move(event));
    changed_.notify_all();
}

void CallbackRecorder::set_reaction(Reaction reaction) {
    std::lock_guard lock(mutex_);
    reaction_ = std::move(reaction);
}

std::vector<CallbackEvent> CallbackRecorder::events() const {
    std::lock_guard lock(mutex_);
    return events_;
}

std::vector<CallbackEvent> CallbackRecorder::events_for(HINTERNET h) const {
    std::lock_guard lock(mutex_);
    std::vector<CallbackEvent> out;
    for (const auto& e : events_) {
        if (e.handle == h) out.push_back(e);
    }
    return out;
}

std::vector<DWORD> CallbackRecorder::statuses(HINTERNET h) const {
    std::lock_guard lock(mutex_);
    std::vector<DWORD> out;
    for (const auto& e : events_) {
        if (h == nullptr || e.handle == h) out.push_back(e.status);
    }
    return out;
}

size_t CallbackRecorder::count(DWORD status, HINTERNET h) const {
    std::lock_guard lock(mutex_);
    size_t n = 0;
    for (const auto& e : events_) n += matches(e, status, h) ? 1 : 0;
    return n;
}

size_t CallbackRecorder::index_of(DWORD status, HINTERNET h) const {
    std::lock_guard lock(mutex_);
    for (size_t i = 0; i < events_.size(); ++i) {
        if (matches(events_[i], status, h)) return i;
    }
    return npos;
}

bool CallbackRecorder::wait_for(DWORD status, size_t n, std::chrono::milliseconds timeout,
                                HINTERNET h) const {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] {
        size_t seen = 0;
        for (const auto& e : events_) seen += matches(e, status, h) ? 1 : 0;
        return seen >= n;
    });
}

size_t CallbackRecorder::size() const {
    std::lock_guard lock(mutex_);
    return events_.size();
}

size_t CallbackRecorder::wait_match(size_t from,
                                    const std::function<bool(const CallbackEvent&)>& match,
                                    std::chrono::milliseconds timeout, CallbackEvent* out) const {
    std::unique_lock lock(mutex_);
    size_t found = npos;
    changed_.wait_for(lock, timeout, [&] {
        for (; from < events_.size(); ++from) {
            if (match(events_[from])) {
                found = from;
                return true;
            }
        }
        return false;
    });
    if (found != npos && out) *out = events_[found];
    return found;
}

size_t CallbackRecorder::ignored() {
    return ignored_.load();
}

void CallbackRecorder::clear() {
    std::lock_guard lock(mutex_);
    events_.clear();
}

std::string CallbackRecorder::status_name(DWORD status) {
    switch (status) {
#define OWH_STATUS_NAME(name)            \
    case WINHTTP_CALLBACK_STATUS_##name: \
        return #name;
        OWH_STATUS_NAME(RESOLVING_NAME)
        OWH_STATUS_NAME(NAME_RESOLVED)
        OWH_STATUS_NAME(CONNECTING_TO_SERVER)
        OWH_STATUS_NAME(CONNECTED_TO_SERVER)
        OWH_STATUS_NAME(SENDING_REQUEST)
        OWH_STATUS_NAME(REQUEST_SENT)
        OWH_STATUS_NAME(RECEIVING_RESPONSE)
        OWH_STATUS_NAME(RESPONSE_RECEIVED)
        OWH_STATUS_NAME(CLOSING_CONNECTION)
        OWH_STATUS_NAME(CONNECTION_CLOSED)
        OWH_STATUS_NAME(HANDLE_CREATED)
        OWH_STATUS_NAME(HANDLE_CLOSING)
        OWH_STATUS_NAME(DETECTING_PROXY)
        OWH_STATUS_NAME(REDIRECT)
        OWH_STATUS_NAME(INTERMEDIATE_RESPONSE)
        OWH_STATUS_NAME(SECURE_FAILURE)
        OWH_STATUS_NAME(HEADERS_AVAILABLE)
        OWH_STATUS_NAME(DATA_AVAILABLE)
        OWH_STATUS_NAME(READ_COMPLETE)
        OWH_STATUS_NAME(WRITE_COMPLETE)
        OWH_STATUS_NAME(REQUEST_ERROR)
        OWH_STATUS_NAME(SENDREQUEST_COMPLETE)
        OWH_STATUS_NAME(GETPROXYFORURL_COMPLETE)
        OWH_STATUS_NAME(CLOSE_COMPLETE)
        OWH_STATUS_NAME(SHUTDOWN_COMPLETE)
        OWH_STATUS_NAME(GETPROXYSETTINGS_COMPLETE)
        OWH_STATUS_NAME(SETTINGS_WRITE_COMPLETE)
        OWH_STATUS_NAME(SETTINGS_READ_COMPLETE)
#undef OWH_STATUS_NAME
    }
    std::ostringstream out;
    out << "0x" << std::hex << status;
    return out.str();
}

std::string CallbackRecorder::dump() const {
    std::lock_guard lock(mutex_);
    std::ostringstream out;
    for (size_t i = 0; i < events_.size(); ++i) {
        const CallbackEvent& e = events_[i];
        out << "#" << i << " h=" << e.handle << " " << status_name(e.status) << " len=" << e.length;
        if (e.handle_value) out << " handle=" << e.handle_value;
        if (e.value) out << " value=" << e.value;
        if (e.status == WINHTTP_CALLBACK_STATUS_REQUEST_ERROR) {
            out << " result=" << e.result.dwResult << " error=" << e.result.dwError;
        }
        if (!e.text.empty()) out << " text=" << narrow(e.text);
        out << " tid=" << e.thread << "\n";
    }
    return out.str();
}

namespace {

std::string describe(const Expected& x) {
    std::ostringstream out;
    out << CallbackRecorder::status_name(x.status);
    if (x.text) out << " text=" << narrow(*x.text);
    if (x.value) out << " value=" << *x.value;
    if (x.result) out << " result=" << x.result->dwResult << " error=" << x.result->dwError;
    if (x.length) out << " len=" << *x.length;
    if (x.bytes) out << " bytes(" << x.bytes->size() << ")";
    return out.str();
}

std::string describe(const CallbackEvent& e) {
    std::ostringstream out;
    out << CallbackRecorder::status_name(e.status) << " len=" << e.length;
    if (!e.text.empty()) out << " text=" << narrow(e.text);
    if (e.value) out << " value=" << e.value;
    if (e.status == WINHTTP_CALLBACK_STATUS_REQUEST_ERROR)
        out << " result=" << e.result.dwResult << " error=" << e.result.dwError;
    return out.str();
}

// Why `e` does not match `x`, or "".
std::string mismatch(const CallbackEvent& e, const Expected& x) {
    if (e.status != x.status) return "status";
    if (x.text && e.text != *x.text) return "text";
    if (x.value && e.value != *x.value) return "value";
    if (x.result && (e.result.dwResult != x.result->dwResult ||
                     e.result.dwError != x.result->dwError))
        return "result";
    if (x.length && e.length != *x.length) return "length";
    if (x.bytes && e.bytes != *x.bytes) return "bytes";
    return "";
}

}  // namespace

std::string compare_events(const std::vector<CallbackEvent>& got,
                           const std::vector<Expected>& want) {
    std::ostringstream out;
    const size_t n = std::max(got.size(), want.size());
    bool differs = false;
    for (size_t i = 0; i < n && !differs; ++i) {
        if (i >= got.size()) {
            out << "row " << i << ": missing " << describe(want[i]) << "\n";
            differs = true;
        } else if (i >= want.size()) {
            out << "row " << i << ": unexpected " << describe(got[i]) << "\n";
            differs = true;
        } else if (std::string why = mismatch(got[i], want[i]); !why.empty()) {
            out << "row " << i << ": " << why << " differs: got " << describe(got[i])
                << ", want " << describe(want[i]) << "\n";
            differs = true;
        }
    }
    if (!differs) return "";
    out << "got:\n";
    for (size_t i = 0; i < got.size(); ++i) out << "  " << i << " " << describe(got[i]) << "\n";
    out << "want:\n";
    for (size_t i = 0; i < want.size(); ++i) out << "  " << i << " " << describe(want[i]) << "\n";
    return out.str();
}

}  // namespace winhttp::test
