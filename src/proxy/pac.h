// PAC evaluation for a session: detection (WPAD), download with the session's timeouts,
// per-session cache of scripts (each compiled once, in its worker process), and the call of
// FindProxyForURL. Used by WinHttpGetProxyForUrl, the resolver family (WinHttpGetProxyForUrlEx)
// and — for AUTOMATIC_PROXY sessions — by the request engine through pac_find_proxy().
//
// Errors (Windows' codes, WinHttpGetProxyForUrl / WinHttpGetProxyForUrlEx pages):
//   ERROR_WINHTTP_AUTODETECTION_FAILED      AUTO_DETECT found no PAC URL (and no CONFIG_URL)
//   ERROR_WINHTTP_UNRECOGNIZED_SCHEME       the PAC URL is not http or https
//   ERROR_WINHTTP_INVALID_URL               the PAC URL or the target URL is malformed
//   ERROR_WINHTTP_UNABLE_TO_DOWNLOAD_SCRIPT the download failed (connect, timeout, non-200)
//   ERROR_WINHTTP_BAD_AUTO_PROXY_SCRIPT     the script does not compile, defines no
//                                           FindProxyForURL, throws, exceeds its heap or its
//                                           time, is larger than 4 MiB, or kills its engine
//   ERROR_WINHTTP_AUTO_PROXY_SERVICE_ERROR  the answer holds no usable entry, or the worker
//                                           process cannot be started
//   ERROR_WINHTTP_OPERATION_CANCELLED       the session (or resolver) was closed meanwhile
#pragma once
#include <winhttp.h>

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "proxy/cancel_token.h"
#include "proxy/pac_result.h"

namespace winhttp {
class Session;
}

namespace winhttp::proxy {

class PacWorker;

// Where an evaluation failed: before the script could be asked (detection, download, the
// script's load, the worker's start, a session closed meanwhile), or in FindProxyForURL itself
// (it threw, ran too long, killed its engine, or answered nothing usable). An AUTOMATIC_PROXY
// request falls back differently for each (docs/design/proxies.md).
enum class PacPhase { Setup, Run };

// What the caller asks: WINHTTP_AUTOPROXY_OPTIONS, copied.
struct PacQuery {
    std::wstring url;  // the URL the application is about to request
    DWORD flags = 0;   // WINHTTP_AUTOPROXY_*
    DWORD detect_flags = 0;
    std::wstring config_url;
};

// One downloaded script and the worker process that has it compiled.
class PacScript {
public:
    explicit PacScript(std::string source);
    ~PacScript();
    // Calls FindProxyForURL(url, host); (re)starts the worker and loads the script when needed.
    // ERROR_SUCCESS with the answer in `result`, or an error of the list above; `phase` says
    // whether FindProxyForURL was called.
    DWORD find(const std::string& url, const std::string& host, CancelToken& cancel,
               std::string& result, PacPhase& phase);

private:
    std::mutex mutex_;  // one call at a time per worker
    const std::string source_;
    std::unique_ptr<PacWorker> worker_;
    DWORD load_error_ = 0;  // a script that failed to load fails every call the same way
};

// Per-session state: scripts by PAC URL, the WPAD result, and the operations in flight.
class PacCache {
public:
    std::shared_ptr<PacScript> script(const std::wstring& pac_url);
    std::shared_ptr<PacScript> add_script(const std::wstring& pac_url, std::shared_ptr<PacScript> s);
    bool detected_url(std::wstring& url);
    void set_detected_url(const std::wstring& url);

    // WinHttpResetAutoProxy: forget scripts (their workers end), the WPAD result and the
    // remembered failures.
    void reset();

    // Setup failures of the AUTOMATIC_PROXY request path, by PAC URL (empty: WPAD), remembered
    // for kRetryAfter so that each request of a session whose PAC server is down (or whose
    // network has no WPAD) does not pay the detection or download again.
    static constexpr std::chrono::seconds kRetryAfter{60};
    bool recent_failure(const std::wstring& pac_url, DWORD& error);
    void note_failure(const std::wstring& pac_url, DWORD error);

    // Operations register their token; closing the session cancels them all. Registering on a
    // closed cache cancels the token at once.
    void add_op(CancelToken* t);
    void remove_op(CancelToken* t);
    void cancel_all();

private:
    std::mutex mutex_;
    std::map<std::wstring, std::shared_ptr<PacScript>> scripts_;
    std::wstring detected_;
    struct Failure {
        DWORD error;
        std::chrono::steady_clock::time_point at;
    };
    std::map<std::wstring, Failure> failures_;
    std::set<CancelToken*> ops_;
    bool closed_ = false;
};

// Validates WINHTTP_AUTOPROXY_OPTIONS as WinHttpGetProxyForUrl(Ex) do: ERROR_SUCCESS or
// ERROR_INVALID_PARAMETER (no AUTO_DETECT/CONFIG_URL, AUTO_DETECT without detect flags,
// CONFIG_URL without a URL, reserved fields set).
DWORD validate_options(const WINHTTP_AUTOPROXY_OPTIONS& o);

// The whole pipeline for `q` on `session`: AUTO_DETECT first (when asked), then CONFIG_URL.
// `phase` (optional) says where a failure happened.
DWORD find_proxy(Session& session, const PacQuery& q, CancelToken& cancel,
                 std::vector<PacEntry>& out, PacPhase* phase = nullptr);

// Entry point for AUTOMATIC_PROXY sessions (the request engine): the proxies for `url` from
// the PAC script at `pac_url`, or from WPAD when `pac_url` is empty. Blocking, bounded by the
// session's download timeouts and the script time limit; ends with OPERATION_CANCELLED when
// `cancel` is cancelled (the request was closed) or the session closes. `out` holds the
// entries in the script's order (DIRECT included, SOCKS left out). A setup failure is
// remembered by the session for PacCache::kRetryAfter (the same error comes back at once).
DWORD pac_find_proxy(Session& session, std::wstring_view url, std::wstring_view pac_url,
                     CancelToken& cancel, std::vector<PacEntry>& out, PacPhase& phase);

}  // namespace winhttp::proxy
