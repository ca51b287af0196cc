#include "http1/request_writer.h"

#include <gtest/gtest.h>

#include <string>

namespace winhttp::http1 {
namespace {

TEST(RequestWriter, WritesRequestLineHeadersAndBlankLine) {
    RequestHead head;
    head.method = "POST";
    head.target = "/a%20b?x=1";
    head.headers = {{"Host", "example.com"}, {"Content-Length", "5"}, {"X-Empty", ""}};
    std::string out;
    serialize_request(head, out);
    EXPECT_EQ(out,
              "POST /a%20b?x=1 HTTP/1.1\r\n"
              "Host: example.com\r\n"
              "Content-Length: 5\r\n"
              "X-Empty: \r\n"
              "\r\n");
}

TEST(RequestWriter, WithoutHeadersEndsAfterRequestLine) {
    RequestHead head;
    head.method = "GET";
    head.target = "/";
    std::string out;
    serialize_request(head, out);
    EXPECT_EQ(out, "GET / HTTP/1.1\r\n\r\n");
}

TEST(RequestWriter, AppendsToExistingOutput) {
    RequestHead head;
    head.method = "GET";
    head.target = "/next";
    head.headers = {{"Host", "h"}};
    std::string out = "previous bytes";
    serialize_request(head, out);
    EXPECT_EQ(out, "previous bytesGET /next HTTP/1.1\r\nHost: h\r\n\r\n");
}

TEST(RequestWriter, UsesTheGivenVersion) {
    RequestHead head;
    head.method = "OPTIONS";
    head.target = "*";
    head.version = "HTTP/1.0";
    std::string out;
    serialize_request(head, out);
    EXPECT_EQ(out, "OPTIONS * HTTP/1.0\r\n\r\n");
}

TEST(RequestWriter, KeepsHeaderOrderAndDuplicates) {
    RequestHead head;
    head.method = "GET";
    head.target = "/";
    head.headers = {{"Cookie", "a=1"}, {"Accept", "*/*"}, {"Cookie", "b=2"}};
    std::string out;
    serialize_request(head, out);
    EXPECT_EQ(out, "GET / HTTP/1.1\r\nCookie: a=1\r\nAccept: */*\r\nCookie: b=2\r\n\r\n");
}

TEST(RequestWriter, ReservesOnceForTheWholeHead) {
    RequestHead head;
    head.method = "GET";
    head.target = "/" + std::string(300, 'p');
    for (int i = 0; i < 20; ++i) head.headers.push_back({"X-Header-" + std::to_string(i), std::string(40, 'v')});
    std::string out;
    serialize_request(head, out);
    const size_t size = out.size();
    EXPECT_GE(out.capacity(), size);
    std::string again;
    again.reserve(size);
    const char* data = again.data();
    serialize_request(head, again);
    EXPECT_EQ(again.data(), data) << "no reallocation when the room is there";
    EXPECT_EQ(again, out);
}

}  // namespace
}  // namespace winhttp::http1
