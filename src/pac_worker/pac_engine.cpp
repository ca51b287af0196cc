#include "pac_worker/pac_engine.h"

#include <arpa/inet.h>
#include <duktape.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <cstring>
#include <new>
#include <vector>

namespace winhttp::pacworker {

using proxy::wire::Status;

// --- bounded allocator ---------------------------------------------------------------------
// Each block carries its size in a 16-byte header so that free and realloc can keep the count.

struct PacEngine::Heap {
    size_t limit;
    size_t used = 0;
};

namespace {

constexpr size_t kHeader = 16;
constexpr size_t kMaxResult = 1u << 20;  // a longer FindProxyForURL answer is refused

void* heap_alloc(void* udata, duk_size_t size) {
    auto* h = static_cast<PacEngine::Heap*>(udata);
    if (size == 0) return nullptr;
    if (size > h->limit - std::min(h->limit, h->used)) return nullptr;
    auto* p = static_cast<unsigned char*>(std::malloc(size + kHeader));
    if (!p) return nullptr;
    std::memcpy(p, &size, sizeof(size));
    h->used += size;
    return p + kHeader;
}

void heap_free(void* udata, void* ptr) {
    if (!ptr) return;
    auto* h = static_cast<PacEngine::Heap*>(udata);
    auto* p = static_cast<unsigned char*>(ptr) - kHeader;
    size_t size;
    std::memcpy(&size, p, sizeof(size));
    h->used -= size;
    std::free(p);
}

void* heap_realloc(void* udata, void* ptr, duk_size_t size) {
    auto* h = static_cast<PacEngine::Heap*>(udata);
    if (!ptr) return heap_alloc(udata, size);
    if (size == 0) {
        heap_free(udata, ptr);
        return nullptr;
    }
    auto* p = static_cast<unsigned char*>(ptr) - kHeader;
    size_t old;
    std::memcpy(&old, p, sizeof(old));
    if (size > old && size - old > h->limit - std::min(h->limit, h->used)) return nullptr;
    auto* q = static_cast<unsigned char*>(std::realloc(p, size + kHeader));
    if (!q) return nullptr;
    std::memcpy(q, &size, sizeof(size));
    h->used = h->used - old + size;
    return q + kHeader;
}

// An error thrown outside any protected call: cannot happen with duk_peval/duk_pcall, but the
// process must end rather than continue with a broken heap.
void heap_fatal(void*, const char*) { std::_Exit(70); }

// --- addresses -----------------------------------------------------------------------------

struct Ip {
    int family = 0;  // AF_INET or AF_INET6
    std::array<unsigned char, 16> bytes{};
    size_t size() const { return family == AF_INET ? 4 : 16; }
};

bool parse_ip(const std::string& s, Ip& ip) {
    if (inet_pton(AF_INET, s.c_str(), ip.bytes.data()) == 1) {
        ip.family = AF_INET;
        return true;
    }
    std::string t = s;
    if (t.size() > 2 && t.front() == '[' && t.back() == ']') t = t.substr(1, t.size() - 2);
    if (inet_pton(AF_INET6, t.c_str(), ip.bytes.data()) == 1) {
        ip.family = AF_INET6;
        return true;
    }
    return false;
}

std::string ip_text(const sockaddr* sa) {
    char buf[INET6_ADDRSTRLEN] = {};
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(sa)->sin_addr, buf, sizeof(buf));
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(sa)->sin6_addr, buf, sizeof(buf));
    return buf;
}

// Every address of `host` of `family` (AF_UNSPEC: both), without duplicates, in resolver order.
std::vector<std::string> resolve(const std::string& host, int family) {
    std::vector<std::string> out;
    if (host.empty() || host.size() > 255 || host.find('\0') != std::string::npos) return out;
    addrinfo hints{};
    hints.ai_family = family;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    if (getaddrinfo(host.c_str(), nullptr, &hints, &res) != 0) return out;
    for (addrinfo* ai = res; ai; ai = ai->ai_next) {
        std::string s = ip_text(ai->ai_addr);
        if (!s.empty() && std::find(out.begin(), out.end(), s) == out.end()) out.push_back(s);
    }
    freeaddrinfo(res);
    return out;
}

// Addresses of the interfaces that are up, loopback excluded.
std::vector<std::string> local_addresses(int family) {
    std::vector<std::string> out;
    ifaddrs* list = nullptr;
    if (getifaddrs(&list) != 0) return out;
    for (ifaddrs* i = list; i; i = i->ifa_next) {
        if (!i->ifa_addr || !(i->ifa_flags & IFF_UP) || (i->ifa_flags & IFF_LOOPBACK)) continue;
        const int f = i->ifa_addr->sa_family;
        if (f != AF_INET && f != AF_INET6) continue;
        if (family != AF_UNSPEC && f != family) continue;
        std::string s = ip_text(i->ifa_addr);
        if (!s.empty() && std::find(out.begin(), out.end(), s) == out.end()) out.push_back(s);
    }
    freeifaddrs(list);
    return out;
}

std::string join(const std::vector<std::string>& v) {
    std::string s;
    for (const auto& x : v) {
        if (!s.empty()) s += ';';
        s += x;
    }
    return s;
}

std::string arg(duk_context* ctx, duk_idx_t i) {
    duk_size_t n = 0;
    const char* s = duk_safe_to_lstring(ctx, i, &n);
    return std::string(s, n);
}

// --- native PAC functions ------------------------------------------------------------------

duk_ret_t js_dns_resolve(duk_context* ctx) {
    auto v = resolve(arg(ctx, 0), AF_INET);
    if (v.empty())
        duk_push_null(ctx);
    else
        duk_push_string(ctx, v.front().c_str());
    return 1;
}

duk_ret_t js_dns_resolve_ex(duk_context* ctx) {
    duk_push_string(ctx, join(resolve(arg(ctx, 0), AF_UNSPEC)).c_str());
    return 1;
}

duk_ret_t js_is_resolvable_ex(duk_context* ctx) {
    duk_push_boolean(ctx, !resolve(arg(ctx, 0), AF_UNSPEC).empty());
    return 1;
}

duk_ret_t js_my_ip_address(duk_context* ctx) {
    auto v = local_addresses(AF_INET);
    duk_push_string(ctx, v.empty() ? "127.0.0.1" : v.front().c_str());
    return 1;
}

duk_ret_t js_my_ip_address_ex(duk_context* ctx) {
    duk_push_string(ctx, join(local_addresses(AF_UNSPEC)).c_str());
    return 1;
}

bool prefix_match(const Ip& ip, const Ip& net, unsigned bits) {
    if (ip.family != net.family || bits > ip.size() * 8) return false;
    for (unsigned i = 0; i < bits / 8; ++i)
        if (ip.bytes[i] != net.bytes[i]) return false;
    if (bits % 8) {
        const auto mask = static_cast<unsigned char>(0xFF << (8 - bits % 8));
        if ((ip.bytes[bits / 8] & mask) != (net.bytes[bits / 8] & mask)) return false;
    }
    return true;
}

// isInNetEx(host or address, "prefix/bits"): IPv4 and IPv6.
duk_ret_t js_is_in_net_ex(duk_context* ctx) {
    const std::string host = arg(ctx, 0), prefix = arg(ctx, 1);
    const size_t slash = prefix.find('/');
    Ip net;
    bool result = false;
    if (slash != std::string::npos && parse_ip(prefix.substr(0, slash), net)) {
        const std::string b = prefix.substr(slash + 1);
        const bool digits = !b.empty() && b.size() <= 3 &&
                            std::all_of(b.begin(), b.end(), [](char c) { return c >= '0' && c <= '9'; });
        const unsigned bits = digits ? static_cast<unsigned>(std::atoi(b.c_str())) : 999;
        Ip ip;
        std::vector<std::string> candidates;
        if (parse_ip(host, ip))
            candidates.push_back(host);
        else
            candidates = resolve(host, AF_UNSPEC);
        for (const auto& c : candidates)
            if (parse_ip(c, ip) && prefix_match(ip, net, bits)) result = true;
    }
    duk_push_boolean(ctx, result);
    return 1;
}

// sortIpAddressList("a;b;c"): IPv6 addresses first, then IPv4, each in ascending numeric order.
// false when an element is not an address.
duk_ret_t js_sort_ip_address_list(duk_context* ctx) {
    const std::string list = arg(ctx, 0);
    std::vector<std::pair<Ip, std::string>> ips;
    size_t start = 0;
    while (start <= list.size()) {
        size_t end = list.find(';', start);
        if (end == std::string::npos) end = list.size();
        std::string item = list.substr(start, end - start);
        Ip ip;
        if (!parse_ip(item, ip)) {
            duk_push_false(ctx);
            return 1;
        }
        ips.emplace_back(ip, item);
        start = end + 1;
    }
    std::stable_sort(ips.begin(), ips.end(), [](const auto& a, const auto& b) {
        if (a.first.family != b.first.family) return a.first.family == AF_INET6;
        return a.first.bytes < b.first.bytes;
    });
    std::vector<std::string> out;
    for (auto& p : ips) out.push_back(p.second);
    duk_push_string(ctx, join(out).c_str());
    return 1;
}

duk_ret_t js_get_client_version(duk_context* ctx) {
    duk_push_string(ctx, "1.0");
    return 1;
}

duk_ret_t js_alert(duk_context*) { return 0; }  // nowhere to show it; Windows drops it too

void put_function(duk_context* ctx, const char* name, duk_c_function fn, duk_idx_t nargs) {
    duk_push_c_function(ctx, fn, nargs);
    duk_put_global_string(ctx, name);
}

const char kPrelude[] =
#include "pac_worker/pac_prelude.inc"
    ;

std::string error_text(duk_context* ctx) {
    duk_size_t n = 0;
    const char* s = duk_safe_to_lstring(ctx, -1, &n);
    return std::string(s, std::min<size_t>(n, 1024));
}

}  // namespace

PacEngine::PacEngine(size_t heap_limit) : heap_(new Heap{heap_limit}) {
    ctx_ = duk_create_heap(heap_alloc, heap_realloc, heap_free, heap_, heap_fatal);
    if (!ctx_) return;
    duk_push_global_object(ctx_);
    duk_del_prop_string(ctx_, -1, "Duktape");
    duk_pop(ctx_);
    put_function(ctx_, "dnsResolve", js_dns_resolve, 1);
    put_function(ctx_, "dnsResolveEx", js_dns_resolve_ex, 1);
    put_function(ctx_, "isResolvableEx", js_is_resolvable_ex, 1);
    put_function(ctx_, "myIpAddress", js_my_ip_address, 0);
    put_function(ctx_, "myIpAddressEx", js_my_ip_address_ex, 0);
    put_function(ctx_, "isInNetEx", js_is_in_net_ex, 2);
    put_function(ctx_, "sortIpAddressList", js_sort_ip_address_list, 1);
    put_function(ctx_, "getClientVersion", js_get_client_version, 0);
    put_function(ctx_, "alert", js_alert, DUK_VARARGS);
    if (duk_peval_lstring(ctx_, kPrelude, sizeof(kPrelude) - 1) != 0) {
        duk_destroy_heap(ctx_);
        ctx_ = nullptr;
        return;
    }
    duk_pop(ctx_);
}

PacEngine::~PacEngine() {
    if (ctx_) duk_destroy_heap(ctx_);
    delete heap_;
}

size_t PacEngine::heap_used() const { return heap_->used; }

Status PacEngine::load(std::string_view script, std::string& error) {
    if (!ctx_) {
        error = "no heap";
        return Status::kCompileError;
    }
    if (loaded_) {
        error = "script already loaded";
        return Status::kBadRequest;
    }
    if (duk_peval_lstring(ctx_, script.data(), script.size()) != 0) {
        error = error_text(ctx_);
        duk_pop(ctx_);
        return Status::kCompileError;
    }
    duk_pop(ctx_);
    duk_get_global_string(ctx_, "FindProxyForURLEx");
    ex_ = duk_is_function(ctx_, -1);
    duk_pop(ctx_);
    duk_get_global_string(ctx_, "FindProxyForURL");
    const bool plain = duk_is_function(ctx_, -1);
    duk_pop(ctx_);
    if (!ex_ && !plain) {
        error = "FindProxyForURL is not defined";
        return Status::kNoFunction;
    }
    loaded_ = true;
    return Status::kOk;
}

Status PacEngine::find(std::string_view url, std::string_view host, std::string& out) {
    if (!loaded_) {
        out = "no script loaded";
        return Status::kBadRequest;
    }
    duk_get_global_string(ctx_, ex_ ? "FindProxyForURLEx" : "FindProxyForURL");
    duk_push_lstring(ctx_, url.data(), url.size());
    duk_push_lstring(ctx_, host.data(), host.size());
    if (duk_pcall(ctx_, 2) != 0) {
        out = error_text(ctx_);
        duk_pop(ctx_);
        return Status::kRunError;
    }
    Status st = Status::kOk;
    if (!duk_is_string(ctx_, -1)) {
        out = "FindProxyForURL did not return a string";
        st = Status::kRunError;
    } else {
        duk_size_t n = 0;
        const char* s = duk_get_lstring(ctx_, -1, &n);
        if (n > kMaxResult) {
            out = "FindProxyForURL returned too long a string";
            st = Status::kRunError;
        } else {
            out.assign(s, n);
        }
    }
    duk_pop(ctx_);
    return st;
}

}  // namespace winhttp::pacworker
