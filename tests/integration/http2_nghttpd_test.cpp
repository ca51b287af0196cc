// HTTP/2 against a second, independent server: nghttpd (Debian nghttp2-server), in sync and
// async mode. It is started with a tiny stream window (-w 10: 1023 bytes), so an upload crosses
// many WINDOW_UPDATEs (and must not start before the server's SETTINGS: nghttpd resets a stream
// that overran the window it announced); with a trailer on every response; with server push
// configured for /index.txt (we announce SETTINGS_ENABLE_PUSH 0, so nothing may be pushed,
// RFC 9113 6.5.2); and echoing uploads.
#include <winhttp.h>

#include <gtest/gtest.h>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "integration/async_util.h"
#include "integration/http_test_util.h"
#include "support/child_process.h"
#include "support/loopback.h"
#include "support/tls_certs.h"

namespace {

using namespace itest;
using namespace winhttp::test;
namespace fs = std::filesystem;

bool port_open(unsigned short port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(port);
    const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0;
    ::close(fd);
    return ok;
}

std::string pattern(size_t n) {
    std::string s(n, '\0');
    for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>('a' + i % 26);
    return s;
}

// One nghttpd for the whole program (started at first use, stopped at exit).
class Nghttpd {
public:
    static Nghttpd& shared() {
        static Nghttpd n;
        return n;
    }
    ~Nghttpd() { stop_child(pid_); }
    bool ready() const { return pid_ > 0; }
    unsigned short port() const { return port_; }
    const TestCertificates& certs() const { return *certs_; }

private:
    Nghttpd() {
        char dir[] = "/tmp/nghttpd-XXXXXX";
        if (!::mkdtemp(dir)) return;
        dir_ = dir;
        certs_ = std::make_unique<TestCertificates>(dir_);
        fs::create_directories(dir_ + "/htdocs");
        std::ofstream(dir_ + "/htdocs/index.txt") << "index over nghttpd\n";
        std::ofstream(dir_ + "/htdocs/pushed.txt") << "pushed\n";
        std::ofstream(dir_ + "/htdocs/big.bin", std::ios::binary) << pattern(300000);
        const CertFiles cert = certs_->server(ServerCert::Valid);
        for (int attempt = 0; attempt < 5 && pid_ <= 0; ++attempt) {
            port_ = pick_free_port();
            std::vector<std::string> args = {"/usr/sbin/nghttpd",
                                             "--address=127.0.0.1",
                                             "--htdocs=" + dir_ + "/htdocs",
                                             "--window-bits=10",
                                             "--trailer=x-trailer: nghttpd",
                                             "--push=/index.txt=/pushed.txt",
                                             "--echo-upload",
                                             std::to_string(port_),
                                             cert.key_file,
                                             cert.cert_file};
            std::vector<char*> argv;
            for (auto& a : args) argv.push_back(a.data());
            argv.push_back(nullptr);
            pid_ = spawn_child(argv, dir_ + "/nghttpd.log");
            if (pid_ <= 0) continue;
            const unsigned short p = port_;
            wait_ready(pid_, [p] { return port_open(p) ? Readiness::ready : Readiness::not_yet; },
                       std::chrono::steady_clock::now() + std::chrono::seconds(10));
        }
    }

    std::string dir_;
    std::unique_ptr<TestCertificates> certs_;
    pid_t pid_ = -1;
    unsigned short port_ = 0;
};

class Http2Nghttpd : public ::testing::TestWithParam<Mode> {
protected:
    void SetUp() override {
        if (!fs::exists("/usr/sbin/nghttpd")) GTEST_SKIP() << "nghttpd not installed (nghttp2-server)";
        server_ = &Nghttpd::shared();
        ASSERT_TRUE(server_->ready());
        ::setenv("SSL_CERT_FILE", server_->certs().ca_file().c_str(), 1);
    }
    void TearDown() override { ::unsetenv("SSL_CERT_FILE"); }

    Handle session() {
        Handle s = open_mode_session(GetParam());
        EXPECT_TRUE(set_dword_option(s, WINHTTP_OPTION_ENABLE_HTTP_PROTOCOL,
                                     WINHTTP_PROTOCOL_FLAG_HTTP2));
        return s;
    }
    Handle connect(HINTERNET s) {
        Handle c(WinHttpConnect(s, L"localhost", server_->port(), 0));
        EXPECT_TRUE(c) << GetLastError();
        return c;
    }
    static RequestSpec get(const wchar_t* path) {
        RequestSpec spec;
        spec.path = path;
        spec.open_flags = WINHTTP_FLAG_SECURE;
        return spec;
    }

    Nghttpd* server_ = nullptr;
};

INSTANTIATE_TEST_SUITE_P(Modes, Http2Nghttpd, ::testing::Values(Mode::Sync, Mode::Async),
                         [](const auto& info) { return mode_name(info.param); });

// A GET over h2 with the server's trailer, and the protocol reported as HTTP/2.
TEST_P(Http2Nghttpd, GetWithTrailerOverH2) {
    Handle s = session();
    Handle c = connect(s);
    DWORD used = 0;
    std::wstring trailer;
    RequestSpec spec = get(L"/index.txt");
    spec.inspect = [&](HINTERNET r) {
        DWORD len = sizeof(used);
        EXPECT_TRUE(WinHttpQueryOption(r, WINHTTP_OPTION_HTTP_PROTOCOL_USED, &used, &len));
        wchar_t buf[64];
        len = sizeof(buf);
        if (WinHttpQueryHeaders(r, WINHTTP_QUERY_CUSTOM | WINHTTP_QUERY_FLAG_TRAILERS,
                                L"x-trailer", buf, &len, WINHTTP_NO_HEADER_INDEX))
            trailer.assign(buf, len / sizeof(wchar_t));
    };
    const Response r = run_request_in(GetParam(), c, spec);
    EXPECT_EQ(r.status, 200u) << r;
    EXPECT_EQ(r.body, "index over nghttpd\n");
    EXPECT_EQ(used, static_cast<DWORD>(WINHTTP_PROTOCOL_FLAG_HTTP2));
    EXPECT_EQ(trailer, L"nghttpd");
}

// A body of 300 KB: several frames and WINDOW_UPDATEs as we read.
TEST_P(Http2Nghttpd, LargeBody) {
    Handle s = session();
    Handle c = connect(s);
    const Response r = run_request_in(GetParam(), c, get(L"/big.bin"));
    EXPECT_EQ(r.error, ERROR_SUCCESS) << r;
    EXPECT_TRUE(r.body == pattern(300000)) << r.body.size() << " bytes";
}

// An upload of 100 KB through the server's 1023-byte stream window comes back whole (echo).
TEST_P(Http2Nghttpd, UploadUnderFlowControlIsEchoed) {
    Handle s = session();
    Handle c = connect(s);
    RequestSpec spec = get(L"/echo");
    spec.verb = L"POST";
    spec.optional = pattern(100000);
    const Response r = run_request_in(GetParam(), c, spec);
    EXPECT_EQ(r.error, ERROR_SUCCESS) << r;
    EXPECT_TRUE(r.body == spec.optional) << r.body.size() << " bytes back";
}

// Push is configured for /index.txt, but we disabled it: the response comes alone, and the
// pushed path is then fetched as an ordinary request on the same connection.
TEST_P(Http2Nghttpd, PushDisabledStillServesBoth) {
    Handle s = session();
    Handle c = connect(s);
    EXPECT_EQ(run_request_in(GetParam(), c, get(L"/index.txt")).body, "index over nghttpd\n");
    EXPECT_EQ(run_request_in(GetParam(), c, get(L"/pushed.txt")).body, "pushed\n");
}

}  // namespace
