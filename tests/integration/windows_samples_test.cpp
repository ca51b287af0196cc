// The programs of tests/header/samples/ (written in the style of Microsoft's WinHTTP samples,
// <windows.h> first) run as separate processes against nginx: what a Windows program built
// unchanged against the library sees.
//
// HTTP/1.1 only: the samples are Microsoft's code unchanged, cleartext http:// with no
// ENABLE_HTTP_PROTOCOL (and h2 needs TLS); the same calls run over h2 in the protocol suites
// (protocol_util.h, docs/design/http2.md "Tests in both protocols").
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <string>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "support/build_paths.h"
#include "support/nginx.h"

using winhttp::test::binary_dir;
using winhttp::test::Nginx;

namespace {

struct SampleRun {
    std::string output;
    int exit_code = -1;
};

// Runs build/tests/samples/sample_<name> with host, port and path; collects stdout.
SampleRun run_sample(const std::string& name, unsigned short port, const std::string& path) {
    const std::string command = std::string(binary_dir()) + "/tests/samples/sample_" + name +
                                " 127.0.0.1 " + std::to_string(port) + " " + path;
    SampleRun run;
    FILE* pipe = popen(command.c_str(), "r");
    if (pipe == nullptr) return run;
    std::array<char, 4096> chunk;
    size_t n = 0;
    while ((n = std::fread(chunk.data(), 1, chunk.size(), pipe)) > 0) run.output.append(chunk.data(), n);
    const int status = pclose(pipe);
    run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return run;
}

// A port on 127.0.0.1 that refuses connections for as long as this object lives: bound, never
// listening, so nobody else can take it while the sample runs.
class RefusingPort {
  public:
    RefusingPort() {
        fd_ = socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t size = sizeof addr;
        if (fd_ >= 0 && bind(fd_, reinterpret_cast<sockaddr*>(&addr), size) == 0 &&
            getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &size) == 0) {
            port_ = ntohs(addr.sin_port);
        }
    }
    ~RefusingPort() {
        if (fd_ >= 0) close(fd_);
    }
    RefusingPort(const RefusingPort&) = delete;
    RefusingPort& operator=(const RefusingPort&) = delete;
    unsigned short port() const { return port_; }

  private:
    int fd_ = -1;
    unsigned short port_ = 0;
};

}  // namespace

// WinHttpReadData page sample: QueryDataAvailable/ReadData until 0 bytes, body printed as read.
TEST(WindowsSamples, ReadDataPrintsTheBody) {
    const SampleRun run = run_sample("read_data", Nginx::shared().port(), "/hello.txt");
    EXPECT_EQ(run.exit_code, 0) << run.output;
    EXPECT_EQ(run.output, "hello, world\n");
}

// WinHttpQueryHeaders page sample: size probe (ERROR_INSUFFICIENT_BUFFER), then the raw headers
// with CRLF printed through printf's %S, then the status as a number.
TEST(WindowsSamples, QueryHeadersPrintsRawHeadersAndStatus) {
    const SampleRun run = run_sample("query_headers", Nginx::shared().port(), "/hello.txt");
    EXPECT_EQ(run.exit_code, 0) << run.output;
    EXPECT_EQ(run.output.rfind("Header contents: \nHTTP/1.1 200 OK\r\n", 0), 0u) << run.output;
    EXPECT_NE(run.output.find("Content-Length: 13\r\n"), std::string::npos) << run.output;
    EXPECT_NE(run.output.find("\r\n\r\nStatus: 200\n"), std::string::npos) << run.output;
}

// A POST with added headers; nginx answers 405 for POST to a static file.
TEST(WindowsSamples, SendRequestPostsAndReadsTheStatus) {
    const SampleRun run = run_sample("send_request", Nginx::shared().port(), "/hello.txt");
    EXPECT_EQ(run.exit_code, 0) << run.output;
    EXPECT_EQ(run.output, "Status: 405\n");
}

// The error path of the same program: the text FormatMessage gives for ERROR_WINHTTP_CANNOT_CONNECT
// from GetModuleHandle(TEXT("winhttp.dll")), and the HRESULT_FROM_WIN32 value.
TEST(WindowsSamples, SendRequestReportsTheWinHttpErrorText) {
    RefusingPort refusing;
    ASSERT_NE(refusing.port(), 0);
    const SampleRun run = run_sample("send_request", refusing.port(), "/");
    EXPECT_EQ(run.exit_code, 1);
    EXPECT_EQ(run.output,
              "WinHttpSendRequest failed: 12029 (0x80072EFD): A connection with the server could not be "
              "established\r\n");
}
