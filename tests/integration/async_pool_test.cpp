// WINHTTP_OPTION_MAX_CONNS_PER_SERVER with many async requests in flight: requests beyond the
// limit wait for a connection instead of opening one (Option Flags page), idle connections are
// taken rather than closed to make room, and every request completes.
#include <winhttp.h>

#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "integration/async_util.h"
#include "support/nginx.h"

namespace {

using namespace itest;
using winhttp::test::Nginx;

TEST(AsyncPool, RequestsBeyondMaxConnsPerServerWaitForAConnection) {
    auto& nginx = Nginx::shared();
    constexpr DWORD kLimit = 4;
    constexpr int kRequests = 48;
    Handle session = open_mode_session(Mode::Async);
    ASSERT_TRUE(set_dword_option(session, WINHTTP_OPTION_MAX_CONNS_PER_SERVER, kLimit));
    Handle connect(WinHttpConnect(session, L"127.0.0.1", nginx.port(), 0));
    const auto before = nginx.connections_accepted();

    std::vector<std::unique_ptr<Driver>> drivers;
    std::vector<Handle> requests;
    for (int i = 0; i < kRequests; ++i) {
        auto d = std::make_unique<Driver>(RequestSpec{.path = L"/16k.bin"}, Mode::Async);
        Handle r = open_request(connect, L"GET", L"/16k.bin");
        ASSERT_TRUE(r);
        WinHttpSetStatusCallback(r, &Driver::callback,
                                 WINHTTP_CALLBACK_FLAG_ALL_COMPLETIONS | WINHTTP_CALLBACK_FLAG_HANDLES, 0);
        d->start(r);
        drivers.push_back(std::move(d));
        requests.push_back(std::move(r));
    }
    for (auto& d : drivers) {
        ASSERT_TRUE(d->wait_done(std::chrono::seconds(20)));
        const Response r = d->response();
        EXPECT_EQ(r.error, ERROR_SUCCESS) << r;
        EXPECT_EQ(r.status, 200u);
        EXPECT_EQ(r.body.size(), 16384u);
    }
    EXPECT_LE(nginx.connections_accepted() - before, kLimit);
    for (size_t i = 0; i < requests.size(); ++i) {
        requests[i].reset();
        EXPECT_TRUE(drivers[i]->wait_closed(std::chrono::seconds(5)));
    }
}

}  // namespace
