// Debian's tinyproxy as a real forward proxy for integration tests: a child process on
// 127.0.0.1 with a generated config in a fresh temp dir, in the foreground (-d).
//
//     auto& proxy = Tinyproxy::shared();       // started once per test binary, stopped at exit
//     ... WinHttpOpen(..., NAMED_PROXY, proxy.address().c_str(), ...) ...
//     EXPECT_EQ(proxy.connections_accepted() - before, 1u);
//     EXPECT_THAT(proxy.request_lines(), Contains("GET http://127.0.0.1:8080/hello.txt HTTP/1.1"));
//
// Every port may be CONNECTed to (no ConnectPort line). tinyproxy serves one request per
// client connection (it closes the connection after the response, without announcing it), so
// clients never reuse a connection to it.
// Startup failures throw std::runtime_error with tinyproxy's log.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <string>
#include <vector>

namespace winhttp::test {

class Tinyproxy {
  public:
    // `basic_auth` = "user password": tinyproxy's BasicAuth, every request needs
    // Proxy-Authorization (else 407 with Proxy-Authenticate: Basic).
    explicit Tinyproxy(std::string basic_auth = {});  // throws std::runtime_error
    ~Tinyproxy();  // SIGTERM, SIGKILL after 5 s; deletes the temp dir
    Tinyproxy(const Tinyproxy&) = delete;
    Tinyproxy& operator=(const Tinyproxy&) = delete;

    static Tinyproxy& shared();
    // A second shared instance with BasicAuth "user secret".
    static Tinyproxy& shared_with_basic_auth();

    unsigned short port() const { return port_; }
    // "127.0.0.1:<port>", as a WinHTTP proxy string.
    std::wstring address() const;

    // Client connections accepted so far ("Connect (file descriptor" log lines). The line is
    // written when the connection is accepted, before its request is read, so after a response
    // has arrived the reading includes the connection that carried it.
    size_t connections_accepted() const;
    // The request lines tinyproxy received, in order ("GET http://h:p/x HTTP/1.1",
    // "CONNECT h:p HTTP/1.1").
    std::vector<std::string> request_lines() const;
    std::string log() const;

  private:
    bool start_on(unsigned short port);
    void kill_process();

    std::string dir_;
    std::string basic_auth_;
    unsigned short port_ = 0;
    pid_t pid_ = -1;
};

}  // namespace winhttp::test
