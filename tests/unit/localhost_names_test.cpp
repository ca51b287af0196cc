// Names under "localhost." resolve to the loopback addresses without asking DNS (RFC 6761
// section 6.3), IPv6 first as RFC 6724's default policy table orders them.
#include "net/socket.h"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <string>
#include <vector>

namespace winhttp::net {
namespace {

std::vector<std::wstring> texts(const std::vector<Address>& addrs) {
    std::vector<std::wstring> out;
    for (const auto& a : addrs) out.push_back(a.text());
    return out;
}

unsigned short port_of(const Address& a) {
    return ntohs(a.storage.ss_family == AF_INET6
                     ? reinterpret_cast<const sockaddr_in6&>(a.storage).sin6_port
                     : reinterpret_cast<const sockaddr_in&>(a.storage).sin_port);
}

TEST(LocalhostNames, SubdomainsAreBothLoopbackAddressesIpv6First) {
    for (const char* name : {"api.localhost", "a.b.localhost", "API.LocalHost", "app.localhost."}) {
        std::vector<Address> out;
        ASSERT_EQ(resolve(name, 8080, out), static_cast<DWORD>(ERROR_SUCCESS)) << name;
        EXPECT_EQ(texts(out), (std::vector<std::wstring>{L"::1", L"127.0.0.1"})) << name;
        for (const auto& a : out) EXPECT_EQ(port_of(a), 8080) << name;
    }
}

}  // namespace
}  // namespace winhttp::net
