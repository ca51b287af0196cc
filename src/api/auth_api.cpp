// The authentication functions: WinHttpQueryAuthSchemes, WinHttpSetCredentials,
// WinHttpQueryAuthParams. All three run synchronously, also on an asynchronous handle (their
// pages' Remarks); they hold the request's busy flag, so they never overlap an operation.
#include <cwchar>

#include "core/engine.h"
#include "core/handle_table.h"
#include "core/last_error.h"
#include "core/request.h"
#include "util/wide.h"

using namespace winhttp;

namespace {

DWORD with_request(HINTERNET h, DWORD (*fn)(Request&, void*), void* ctx) {
    Lookup l = lookup_handle(h, {HandleType::Request});
    if (l.error) return l.error;
    Request& r = as<Request>(*l.object);
    OperationGuard guard(r);
    if (!guard.owned()) return ERROR_WINHTTP_INCORRECT_HANDLE_STATE;
    return fn(r, ctx);
}

bool one_scheme(DWORD s) {
    return s == WINHTTP_AUTH_SCHEME_BASIC || s == WINHTTP_AUTH_SCHEME_NTLM ||
           s == WINHTTP_AUTH_SCHEME_PASSPORT || s == WINHTTP_AUTH_SCHEME_DIGEST ||
           s == WINHTTP_AUTH_SCHEME_NEGOTIATE;
}

}  // namespace

extern "C" {

BOOL WinHttpQueryAuthSchemes(HINTERNET hRequest, LPDWORD lpdwSupportedSchemes,
                             LPDWORD lpdwFirstScheme, LPDWORD pdwAuthTarget) {
    OPENWINHTTP_TRACE_CALL("%p", hRequest);
    struct Out {
        DWORD supported = 0, first = 0, target = 0;
    } out;
    const DWORD e = with_request(
        hRequest,
        [](Request& r, void* p) {
            auto* o = static_cast<Out*>(p);
            return r.engine().query_auth_schemes(o->supported, o->first, o->target);
        },
        &out);
    if (e) return fail(e);
    // Wine winhttp.c test_basic_authentication (verified on Windows): every out-parameter is
    // required; a missing one fails and leaves the others untouched.
    if (!lpdwSupportedSchemes || !lpdwFirstScheme || !pdwAuthTarget)
        return fail(ERROR_INVALID_PARAMETER);
    *lpdwSupportedSchemes = out.supported;
    *lpdwFirstScheme = out.first;
    *pdwAuthTarget = out.target;
    return succeed();
}

BOOL WinHttpSetCredentials(HINTERNET hRequest, DWORD AuthTargets, DWORD AuthScheme,
                           LPCWSTR pwszUserName, LPCWSTR pwszPassword, LPVOID /*pAuthParams*/) {
    OPENWINHTTP_TRACE_CALL("%p, 0x%x, 0x%x, %s, %s", hRequest, AuthTargets, AuthScheme, pwszUserName ? "[redacted]" : "NULL", pwszPassword ? "[redacted]" : "NULL");
    struct In {
        DWORD target, scheme;
        LPCWSTR user, password;
    } in{AuthTargets, AuthScheme, pwszUserName, pwszPassword};
    const DWORD e = with_request(
        hRequest,
        [](Request& r, void* p) -> DWORD {
            const auto* a = static_cast<In*>(p);
            if (a->target != WINHTTP_AUTH_TARGET_SERVER && a->target != WINHTTP_AUTH_TARGET_PROXY)
                return ERROR_INVALID_PARAMETER;
            if (!one_scheme(a->scheme)) return ERROR_INVALID_PARAMETER;
            // Wine winhttp.c test_basic_authentication (verified on Windows): Basic and Digest
            // need both a user name and a password; NTLM, Negotiate and Passport take NULL/NULL
            // (the logged-on user's credentials).
            const bool needs_both =
                a->scheme == WINHTTP_AUTH_SCHEME_BASIC || a->scheme == WINHTTP_AUTH_SCHEME_DIGEST;
            if (needs_both && (!a->user || !a->password)) return ERROR_INVALID_PARAMETER;
            auth::Credentials c;
            c.use_default = !a->user && !a->password;
            if (a->user) c.user = to_utf8(std::wstring_view(a->user, std::wcslen(a->user)));
            if (a->password)
                c.password = to_utf8(std::wstring_view(a->password, std::wcslen(a->password)));
            r.engine().set_credentials(a->target, a->scheme, std::move(c));
            return ERROR_SUCCESS;
        },
        &in);
    return e ? fail(e) : succeed();
}

// Not documented by Microsoft (declared in the SDK only). No scheme of this library has
// parameters to report, so after the handle and argument checks it fails with
// ERROR_NOT_SUPPORTED (docs/STATUS.md).
BOOL WinHttpQueryAuthParams(HINTERNET hRequest, DWORD AuthScheme, LPVOID* pAuthParams) {
    OPENWINHTTP_TRACE_CALL("%p, 0x%x", hRequest, AuthScheme);
    Lookup l = lookup_handle(hRequest, {HandleType::Request});
    if (l.error) return fail(l.error);
    if (!pAuthParams || !one_scheme(AuthScheme)) return fail(ERROR_INVALID_PARAMETER);
    *pAuthParams = nullptr;
    return fail(ERROR_NOT_SUPPORTED);
}

}  // extern "C"
