// The Python WebSocket test server (tests/support/ws_server.py, python3-websockets) as a child
// process on 127.0.0.1, started by the tests. One shared instance per test binary.
#pragma once

#include <sys/types.h>

#include <string>

namespace winhttp::test {

class PythonWsServer {
public:
    PythonWsServer();  // throws std::runtime_error when it cannot start
    ~PythonWsServer();
    PythonWsServer(const PythonWsServer&) = delete;
    PythonWsServer& operator=(const PythonWsServer&) = delete;

    unsigned short port() const { return port_; }
    std::string log() const;

    static PythonWsServer& shared();

private:
    void kill_process();
    std::string dir_;
    pid_t pid_ = -1;
    unsigned short port_ = 0;
};

}  // namespace winhttp::test
