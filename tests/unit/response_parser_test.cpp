#include "http1/response_parser.h"

#include <winhttp.h>

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <thread>
#include <string_view>
#include <vector>

namespace winhttp::http1 {
namespace {

// ---- parsegrind: drive the parser like a connection would, then compare every split ---------

struct Options {
    bool head_request = false;
    bool close_at_end = false;  // the peer closes after the last byte: call finish()
    ParseLimits limits{};
};

struct Message {
    ResponseHead head;
    std::string body;
    bool keep_alive = false;
    bool until_close = false;
    bool chunked = false;
    std::optional<uint64_t> length;
};

struct Outcome {
    std::vector<Message> messages;
    DWORD error = 0;
    std::string rest;  // bytes left unconsumed after a 101 (they belong to the new protocol)
};

// Feeds `pieces` one after the other, each from a fresh heap copy that dies right after use,
// so that a body pointer kept too long or pointing outside the piece shows up (ASan, checks).
class Driver {
public:
    explicit Driver(const Options& o) : o_(o), parser_(o.limits) { parser_.reset(o.head_request); }

    Outcome run(const std::vector<std::string>& pieces) {
        for (const std::string& piece : pieces) {
            std::vector<char> buf(piece.begin(), piece.end());
            feed_piece(buf);
        }
        if (o_.close_at_end && !stopped_ && !parser_.idle()) {
            for (int guard = 0; guard < 4 && !stopped_; ++guard) {
                ParseStep s = parser_.finish();
                EXPECT_EQ(s.consumed, 0u);
                if (!handle(s, nullptr, nullptr) || parser_.idle()) break;
            }
        }
        return std::move(out_);
    }

private:
    void feed_piece(const std::vector<char>& buf) {
        const char* begin = buf.data();
        const char* p = begin;
        size_t n = buf.size();
        int idle_events = 0;
        while (!stopped_) {
            ParseStep s = parser_.feed(p, n);
            EXPECT_LE(s.consumed, n);
            if (s.consumed > n) return;
            p += s.consumed;
            n -= s.consumed;
            if (s.event == ParseEvent::NeedMore) {
                EXPECT_EQ(n, 0u) << "NeedMore must consume everything";
                return;
            }
            idle_events = s.consumed == 0 ? idle_events + 1 : 0;
            if (idle_events > 4) {
                ADD_FAILURE() << "parser loops without consuming";
                return;
            }
            if (!handle(s, begin, begin + buf.size())) break;
        }
        if (upgraded_) out_.rest.append(p, n);
    }

    // Returns false when the driver must stop feeding this connection.
    bool handle(const ParseStep& s, const char* buf_begin, const char* buf_end) {
        switch (s.event) {
            case ParseEvent::NeedMore:
                return true;
            case ParseEvent::HeadComplete:
                cur_.head = parser_.head();
                cur_.keep_alive = parser_.keep_alive();
                cur_.until_close = parser_.body_until_close();
                cur_.chunked = parser_.chunked();
                cur_.length = parser_.content_length();
                return true;
            case ParseEvent::Body:
                EXPECT_GT(s.body_len, 0u);
                if (buf_begin != nullptr) {
                    EXPECT_TRUE(s.body >= buf_begin && s.body + s.body_len <= buf_end)
                        << "body must point into the caller's data";
                }
                cur_.body.append(s.body, s.body_len);
                return true;
            case ParseEvent::MessageComplete:
                cur_.head.trailers = parser_.head().trailers;
                out_.messages.push_back(std::move(cur_));
                cur_ = Message{};
                if (out_.messages.back().head.status == 101) {
                    stopped_ = upgraded_ = true;
                    return false;
                }
                parser_.reset(o_.head_request);
                return true;
            case ParseEvent::Error:
                out_.error = s.error;
                stopped_ = true;
                return false;
        }
        return false;
    }

    Options o_;
    ResponseParser parser_;
    Outcome out_;
    Message cur_;
    bool stopped_ = false;
    bool upgraded_ = false;
};

std::string printable(std::string_view s) {
    std::string r;
    for (char c : s) {
        if (c >= 0x20 && c < 0x7f) {
            r += c;
        } else {
            static const char hex[] = "0123456789abcdef";
            r += "\\x";
            r += hex[(c >> 4) & 0xf];
            r += hex[c & 0xf];
        }
    }
    return r;
}

// A canonical dump, so that two outcomes compare as strings and a mismatch reads well.
std::string describe(const Outcome& o) {
    std::string d;
    for (const Message& m : o.messages) {
        const ResponseHead& h = m.head;
        d += "HTTP/" + std::to_string(h.version_major) + "." + std::to_string(h.version_minor) +
             " " + std::to_string(h.status) + " [" + printable(h.reason) + "]\n";
        for (const Header& f : h.headers) d += "  [" + printable(f.name) + "]=[" + printable(f.value) + "]\n";
        for (const Header& f : h.trailers) d += "  T[" + printable(f.name) + "]=[" + printable(f.value) + "]\n";
        d += "  keep_alive=" + std::to_string(m.keep_alive) + " until_close=" + std::to_string(m.until_close) +
             " chunked=" + std::to_string(m.chunked) +
             " length=" + (m.length ? std::to_string(*m.length) : std::string("none")) + "\n";
        d += "  body=[" + printable(m.body) + "]\n";
    }
    d += "error=" + std::to_string(o.error) + " rest=[" + printable(o.rest) + "]\n";
    return d;
}

Outcome drive(const std::vector<std::string>& pieces, const Options& o) {
    return Driver(o).run(pieces);
}

// Parses `wire` whole, then split in two at every offset, then one byte at a time, and expects
// the same outcome every time. Returns the whole-buffer outcome for the test to check.
Outcome grind(std::string_view wire, const Options& o = {}) {
    Outcome whole = drive({std::string(wire)}, o);
    const std::string expected = describe(whole);
    for (size_t i = 0; i <= wire.size() && !::testing::Test::HasFailure(); ++i) {
        Outcome split = drive({std::string(wire.substr(0, i)), std::string(wire.substr(i))}, o);
        EXPECT_EQ(describe(split), expected) << "split at " << i;
    }
    std::vector<std::string> bytes;
    for (char c : wire) bytes.emplace_back(1, c);
    EXPECT_EQ(describe(drive(bytes, o)), expected) << "one byte at a time";
    return whole;
}

Options closing() {
    Options o;
    o.close_at_end = true;
    return o;
}

const Header* find(const HeaderList& list, std::string_view name) {
    for (const Header& h : list)
        if (h.name == name) return &h;
    return nullptr;
}

// ---- framing -------------------------------------------------------------------------------

TEST(ResponseParser, ContentLengthBody) {
    Outcome o = grind("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 11\r\n\r\nhello world");
    ASSERT_EQ(o.error, 0u);
    ASSERT_EQ(o.messages.size(), 1u);
    const Message& m = o.messages[0];
    EXPECT_EQ(m.head.status, 200u);
    EXPECT_EQ(m.head.version_major, 1u);
    EXPECT_EQ(m.head.version_minor, 1u);
    EXPECT_EQ(m.head.reason, "OK");
    ASSERT_EQ(m.head.headers.size(), 2u);
    EXPECT_EQ(m.head.headers[0].name, "Content-Type");
    EXPECT_EQ(m.head.headers[0].value, "text/plain");
    EXPECT_EQ(m.body, "hello world");
    EXPECT_EQ(m.length, 11u);
    EXPECT_FALSE(m.chunked);
    EXPECT_FALSE(m.until_close);
    EXPECT_TRUE(m.keep_alive);
}

TEST(ResponseParser, ChunkedBodyWithExtensionsAndTrailers) {
    Outcome o = grind(
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        "5;name=value\r\nhello\r\n6;flag\r\n world\r\nA\r\n0123456789\r\n"
        "0\r\nX-Checksum: abc\r\nX-Other:  v \r\n\r\n");
    ASSERT_EQ(o.error, 0u);
    ASSERT_EQ(o.messages.size(), 1u);
    const Message& m = o.messages[0];
    EXPECT_EQ(m.body, "hello world0123456789");
    EXPECT_TRUE(m.chunked);
    EXPECT_FALSE(m.length.has_value());
    EXPECT_TRUE(m.keep_alive);
    ASSERT_EQ(m.head.headers.size(), 1u);
    ASSERT_EQ(m.head.trailers.size(), 2u);
    EXPECT_EQ(m.head.trailers[0].name, "X-Checksum");
    EXPECT_EQ(m.head.trailers[0].value, "abc");
    EXPECT_EQ(m.head.trailers[1].name, "X-Other");
    EXPECT_EQ(m.head.trailers[1].value, "v");
}

TEST(ResponseParser, ChunkedBodyWithoutTrailers) {
    Outcome o = grind("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n");
    ASSERT_EQ(o.messages.size(), 1u);
    EXPECT_EQ(o.messages[0].body, "abc");
    EXPECT_TRUE(o.messages[0].head.trailers.empty());
}

TEST(ResponseParser, ReadUntilCloseCompletesOnFinish) {
    Outcome o = grind("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n<html>until close</html>",
                      closing());
    ASSERT_EQ(o.error, 0u);
    ASSERT_EQ(o.messages.size(), 1u);
    EXPECT_EQ(o.messages[0].body, "<html>until close</html>");
    EXPECT_TRUE(o.messages[0].until_close);
    EXPECT_FALSE(o.messages[0].keep_alive);
    EXPECT_FALSE(o.messages[0].length.has_value());
}

TEST(ResponseParser, ReadUntilCloseDoesNotCompleteWithoutFinish) {
    Outcome o = grind("HTTP/1.0 200 OK\r\n\r\nabc");
    EXPECT_EQ(o.error, 0u);
    EXPECT_TRUE(o.messages.empty());
}

TEST(ResponseParser, TransferEncodingOtherThanChunkedReadsUntilClose) {
    Outcome o = grind("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nxyz", closing());
    ASSERT_EQ(o.messages.size(), 1u);
    EXPECT_TRUE(o.messages[0].until_close);
    EXPECT_FALSE(o.messages[0].chunked);
    EXPECT_EQ(o.messages[0].body, "xyz");
}

TEST(ResponseParser, EmptyBodyWithContentLengthZero) {
    Outcome o = grind("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
    ASSERT_EQ(o.messages.size(), 1u);
    EXPECT_EQ(o.messages[0].body, "");
    EXPECT_EQ(o.messages[0].length, 0u);
}

TEST(ResponseParser, ContentLengthZeroCompletesWithoutMoreInput) {
    const std::string wire = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
    ResponseParser p;
    ParseStep s = p.feed(wire.data(), wire.size());
    EXPECT_EQ(s.event, ParseEvent::HeadComplete);
    EXPECT_EQ(s.consumed, wire.size());
    s = p.feed(nullptr, 0);
    EXPECT_EQ(s.event, ParseEvent::MessageComplete);
    EXPECT_EQ(s.consumed, 0u);
}

TEST(ResponseParser, FinishAfterLastBodyPieceCompletesTheMessage) {
    const std::string wire = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi";
    ResponseParser p;
    ParseStep s = p.feed(wire.data(), wire.size());
    ASSERT_EQ(s.event, ParseEvent::HeadComplete);
    s = p.feed(wire.data() + s.consumed, wire.size() - s.consumed);
    ASSERT_EQ(s.event, ParseEvent::Body);
    EXPECT_EQ(std::string(s.body, s.body_len), "hi");
    EXPECT_EQ(p.finish().event, ParseEvent::MessageComplete);
    EXPECT_EQ(p.feed(nullptr, 0).event, ParseEvent::MessageComplete) << "stays complete until reset";
}

TEST(ResponseParser, BodyPiecesAreNotCopied) {
    const std::string wire = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";
    ResponseParser p;
    ParseStep s = p.feed(wire.data(), wire.size());
    ASSERT_EQ(s.event, ParseEvent::HeadComplete);
    s = p.feed(wire.data() + s.consumed, wire.size() - s.consumed);
    ASSERT_EQ(s.event, ParseEvent::Body);
    EXPECT_EQ(s.body, wire.data() + wire.size() - 5);
    EXPECT_EQ(s.body_len, 5u);
}

// ---- responses without a body ----------------------------------------------------------------

TEST(ResponseParser, HeadResponseHasNoBodyDespiteContentLength) {
    Options o;
    o.head_request = true;
    Outcome r = grind(
        "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n"
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
        o);
    ASSERT_EQ(r.error, 0u);
    ASSERT_EQ(r.messages.size(), 2u);
    for (const Message& m : r.messages) {
        EXPECT_EQ(m.body, "");
        EXPECT_EQ(m.length, 0u);
        EXPECT_FALSE(m.chunked);
        EXPECT_TRUE(m.keep_alive);
    }
    EXPECT_EQ(find(r.messages[0].head.headers, "Content-Length")->value, "1000");
}

TEST(ResponseParser, NoContentHasNoBody) {
    Outcome o = grind(
        "HTTP/1.1 204 No Content\r\nContent-Length: 3\r\n\r\n"
        "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc");
    ASSERT_EQ(o.error, 0u);
    ASSERT_EQ(o.messages.size(), 2u);
    EXPECT_EQ(o.messages[0].head.status, 204u);
    EXPECT_EQ(o.messages[0].body, "");
    EXPECT_EQ(o.messages[0].length, 0u);
    EXPECT_TRUE(o.messages[0].keep_alive);
    EXPECT_EQ(o.messages[1].body, "abc");
}

TEST(ResponseParser, NotModifiedHasNoBody) {
    Outcome o = grind(
        "HTTP/1.1 304 Not Modified\r\nETag: \"x\"\r\nTransfer-Encoding: chunked\r\n\r\n"
        "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nz");
    ASSERT_EQ(o.error, 0u);
    ASSERT_EQ(o.messages.size(), 2u);
    EXPECT_EQ(o.messages[0].head.status, 304u);
    EXPECT_EQ(o.messages[0].body, "");
    EXPECT_FALSE(o.messages[0].chunked);
    EXPECT_EQ(o.messages[1].body, "z");
}

TEST(ResponseParser, ContinueThenFinalResponseInOneBuffer) {
    Outcome o = grind(
        "HTTP/1.1 100 Continue\r\n\r\n"
        "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\ndone");
    ASSERT_EQ(o.error, 0u);
    ASSERT_EQ(o.messages.size(), 2u);
    EXPECT_EQ(o.messages[0].head.status, 100u);
    EXPECT_EQ(o.messages[0].head.reason, "Continue");
    EXPECT_EQ(o.messages[0].body, "");
    EXPECT_EQ(o.messages[1].head.status, 200u);
    EXPECT_EQ(o.messages[1].body, "done");
}

TEST(ResponseParser, EarlyHintsThenFinalResponse) {
    Outcome o = grind(
        "HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n"
        "HTTP/1.1 103 Early Hints\r\nLink: </app.js>; rel=preload\r\n\r\n"
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n");
    ASSERT_EQ(o.error, 0u);
    ASSERT_EQ(o.messages.size(), 3u);
    EXPECT_EQ(o.messages[0].head.status, 103u);
    EXPECT_EQ(find(o.messages[0].head.headers, "Link")->value, "</style.css>; rel=preload");
    EXPECT_EQ(find(o.messages[1].head.headers, "Link")->value, "</app.js>; rel=preload");
    EXPECT_EQ(o.messages[2].head.status, 200u);
    EXPECT_EQ(o.messages[2].head.headers.size(), 1u);
    EXPECT_EQ(o.messages[2].body, "ok");
}

TEST(ResponseParser, InformationalResponseIgnoresFramingHeaders) {
    Outcome o = grind(
        "HTTP/1.1 102 Processing\r\nContent-Length: 5\r\n\r\n"
        "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfinal");
    ASSERT_EQ(o.messages.size(), 2u);
    EXPECT_EQ(o.messages[0].body, "");
    EXPECT_EQ(o.messages[1].body, "final");
}

TEST(ResponseParser, SwitchingProtocolsLeavesTheRestUnconsumed) {
    Outcome o = grind(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"
        "\x81\x05hello");
    ASSERT_EQ(o.error, 0u);
    ASSERT_EQ(o.messages.size(), 1u);
    EXPECT_EQ(o.messages[0].head.status, 101u);
    EXPECT_FALSE(o.messages[0].keep_alive);
    EXPECT_EQ(o.rest, "\x81\x05hello");
}

// ---- keep-alive ----------------------------------------------------------------------------

bool keep_alive_of(std::string_view wire) {
    Outcome o = grind(wire);
    EXPECT_EQ(o.messages.size(), 1u);
    return !o.messages.empty() && o.messages[0].keep_alive;
}

TEST(ResponseParser, Http11DefaultsToKeepAlive) {
    EXPECT_TRUE(keep_alive_of("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"));
}

TEST(ResponseParser, Http11ConnectionCloseIsNotKeepAlive) {
    EXPECT_FALSE(keep_alive_of("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"));
    EXPECT_FALSE(keep_alive_of("HTTP/1.1 200 OK\r\nConnection: Close\r\nContent-Length: 0\r\n\r\n"));
}

TEST(ResponseParser, Http10DefaultsToClose) {
    EXPECT_FALSE(keep_alive_of("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n"));
}

TEST(ResponseParser, Http10KeepAliveHeaderKeepsAlive) {
    EXPECT_TRUE(keep_alive_of("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok"));
}

TEST(ResponseParser, ReadUntilCloseIsNeverKeepAlive) {
    Outcome o = grind("HTTP/1.1 200 OK\r\nConnection: keep-alive\r\n\r\nbody", closing());
    ASSERT_EQ(o.messages.size(), 1u);
    EXPECT_FALSE(o.messages[0].keep_alive);
}

// ---- head details --------------------------------------------------------------------------

TEST(ResponseParser, HeadersKeepWireOrderCaseAndDuplicates) {
    Outcome o = grind(
        "HTTP/1.1 200 OK\r\nSet-Cookie: a=1\r\nX-Mixed-CASE: v\r\nset-cookie: b=2\r\n"
        "Content-Length: 0\r\n\r\n");
    ASSERT_EQ(o.messages.size(), 1u);
    const HeaderList& h = o.messages[0].head.headers;
    ASSERT_EQ(h.size(), 4u);
    EXPECT_EQ(h[0].name, "Set-Cookie");
    EXPECT_EQ(h[0].value, "a=1");
    EXPECT_EQ(h[1].name, "X-Mixed-CASE");
    EXPECT_EQ(h[2].name, "set-cookie");
    EXPECT_EQ(h[2].value, "b=2");
    EXPECT_EQ(h[3].name, "Content-Length");
}

TEST(ResponseParser, HeaderValuesAreTrimmedAndFoldsJoined) {
    Outcome o = grind(
        "HTTP/1.1 200 OK\r\nX-Spaced:   a  b \t\r\nX-Empty:\r\nX-Blank:    \r\n"
        "X-Fold: one\r\n  two\r\n\tthree\r\nX-Name-Space : v\r\nContent-Length: 0\r\n\r\n");
    ASSERT_EQ(o.error, 0u);
    ASSERT_EQ(o.messages.size(), 1u);
    const HeaderList& h = o.messages[0].head.headers;
    ASSERT_EQ(h.size(), 6u);
    EXPECT_EQ(h[0].value, "a  b");
    EXPECT_EQ(h[1].name, "X-Empty");
    EXPECT_EQ(h[1].value, "");
    EXPECT_EQ(h[2].value, "");
    // llhttp drops the CRLF of an obs-fold and keeps the blanks that start the next line.
    EXPECT_EQ(h[3].value, "one  two\tthree");
    EXPECT_EQ(h[4].name, "X-Name-Space");
    EXPECT_EQ(h[4].value, "v");
}

TEST(ResponseParser, ReasonPhraseMayBeEmptyOrMissing) {
    Outcome o = grind(
        "HTTP/1.1 200 \r\nContent-Length: 0\r\n\r\nHTTP/1.1 404\r\nContent-Length: 0\r\n\r\n");
    ASSERT_EQ(o.messages.size(), 2u);
    EXPECT_EQ(o.messages[0].head.reason, "");
    EXPECT_EQ(o.messages[1].head.status, 404u);
    EXPECT_EQ(o.messages[1].head.reason, "");
}

TEST(ResponseParser, ReasonPhraseKeepsInnerSpaces) {
    Outcome o = grind("HTTP/1.1 404 Not  Found Here\r\nContent-Length: 0\r\n\r\n");
    ASSERT_EQ(o.messages.size(), 1u);
    EXPECT_EQ(o.messages[0].head.reason, "Not  Found Here");
}

TEST(ResponseParser, LineFeedOnlyLineEndsAreAccepted) {
    Outcome o = grind("HTTP/1.1 200 OK\nServer: old\nContent-Length: 2\n\nhi");
    ASSERT_EQ(o.error, 0u);
    ASSERT_EQ(o.messages.size(), 1u);
    EXPECT_EQ(find(o.messages[0].head.headers, "Server")->value, "old");
    EXPECT_EQ(o.messages[0].body, "hi");
}

TEST(ResponseParser, Http10VersionIsReported) {
    Outcome o = grind("HTTP/1.0 302 Found\r\nLocation: /x\r\nContent-Length: 0\r\n\r\n");
    ASSERT_EQ(o.messages.size(), 1u);
    EXPECT_EQ(o.messages[0].head.version_major, 1u);
    EXPECT_EQ(o.messages[0].head.version_minor, 0u);
    EXPECT_EQ(o.messages[0].head.status, 302u);
}

TEST(ResponseParser, HeaderBlockAtTheLimitIsAccepted) {
    const std::string wire = "HTTP/1.1 200 OK\r\nX-Pad: 0123456789\r\nContent-Length: 0\r\n\r\n";
    Options o;
    o.limits.max_header_bytes = wire.size();
    Outcome r = grind(wire, o);
    EXPECT_EQ(r.error, 0u);
    EXPECT_EQ(r.messages.size(), 1u);
}

// ---- connection reuse ------------------------------------------------------------------------

TEST(ResponseParser, PipelinedSecondResponseSurvivesReset) {
    Outcome o = grind(
        "HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\nC: 3\r\nContent-Length: 3\r\n\r\nabc"
        "HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nno\r\n0\r\nT: x\r\n\r\n"
        "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n!");
    ASSERT_EQ(o.error, 0u);
    ASSERT_EQ(o.messages.size(), 3u);
    EXPECT_EQ(o.messages[0].body, "abc");
    EXPECT_EQ(o.messages[0].head.headers.size(), 4u);
    EXPECT_EQ(o.messages[1].head.status, 404u);
    EXPECT_EQ(o.messages[1].head.reason, "Not Found");
    EXPECT_EQ(o.messages[1].head.headers.size(), 1u) << "headers of the first response are gone";
    EXPECT_EQ(o.messages[1].body, "no");
    EXPECT_EQ(o.messages[1].head.trailers.size(), 1u);
    EXPECT_EQ(o.messages[2].body, "!");
    EXPECT_TRUE(o.messages[2].head.trailers.empty());
}

TEST(ResponseParser, ResetRecyclesHeaderEntries) {
    ResponseParser p;
    const std::string first = "HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\nContent-Length: 0\r\n\r\n";
    const std::string second = "HTTP/1.1 200 OK\r\nLonger-Name: value\r\nContent-Length: 0\r\n\r\n";
    ASSERT_EQ(p.feed(first.data(), first.size()).event, ParseEvent::HeadComplete);
    p.reset(false);
    ASSERT_EQ(p.feed(second.data(), second.size()).event, ParseEvent::HeadComplete);
    ASSERT_EQ(p.head().headers.size(), 2u);
    EXPECT_EQ(p.head().headers[0].name, "Longer-Name");
    EXPECT_EQ(p.head().headers[0].value, "value");
    EXPECT_EQ(p.head().headers[1].name, "Content-Length");
    EXPECT_EQ(p.head().headers[1].value, "0");
}

TEST(ResponseParser, IdleUntilTheFirstByte) {
    ResponseParser p;
    EXPECT_TRUE(p.idle());
    EXPECT_EQ(p.feed("H", 1).event, ParseEvent::NeedMore);
    EXPECT_FALSE(p.idle());
    p.reset(false);
    EXPECT_TRUE(p.idle());
}

// ---- errors --------------------------------------------------------------------------------

DWORD error_of(std::string_view wire, const Options& o = closing()) {
    Outcome r = grind(wire, o);
    return r.error;
}

TEST(ResponseParser, MalformedStatusLineIsInvalidResponse) {
    EXPECT_EQ(error_of("HTTX/1.1 200 OK\r\n\r\n"), ERROR_WINHTTP_INVALID_SERVER_RESPONSE);
    EXPECT_EQ(error_of("HTTP/1.1 2x0 OK\r\n\r\n"), ERROR_WINHTTP_INVALID_SERVER_RESPONSE);
    EXPECT_EQ(error_of("HTTP/1.1 2000 OK\r\n\r\n"), ERROR_WINHTTP_INVALID_SERVER_RESPONSE);
    EXPECT_EQ(error_of("HTTP/7.7 200 OK\r\n\r\n"), ERROR_WINHTTP_INVALID_SERVER_RESPONSE);
    EXPECT_EQ(error_of("<html>not http</html>"), ERROR_WINHTTP_INVALID_SERVER_RESPONSE);
}

// RFC 9110 §5.5: NUL in a field value must be rejected or replaced; we reject (every split).
TEST(ResponseParser, NulInHeaderValueIsInvalidResponse) {
    using namespace std::string_view_literals;
    EXPECT_EQ(error_of("HTTP/1.1 200 OK\r\nX-A: a\0b\r\nContent-Length: 0\r\n\r\n"sv),
              ERROR_WINHTTP_INVALID_SERVER_RESPONSE);
}

TEST(ResponseParser, StatusBelow100IsInvalidResponse) {
    EXPECT_EQ(error_of("HTTP/1.1 099 Odd\r\nContent-Length: 0\r\n\r\n"),
              ERROR_WINHTTP_INVALID_SERVER_RESPONSE);
}

TEST(ResponseParser, MalformedHeaderIsInvalidResponse) {
    EXPECT_EQ(error_of("HTTP/1.1 200 OK\r\nNo colon here\r\n\r\n"),
              ERROR_WINHTTP_INVALID_SERVER_RESPONSE);
    EXPECT_EQ(error_of("HTTP/1.1 200 OK\r\nBad\x01Name: v\r\n\r\n"),
              ERROR_WINHTTP_INVALID_SERVER_RESPONSE);
    EXPECT_EQ(error_of("HTTP/1.1 200 OK\r\n continuation first\r\n\r\n"),
              ERROR_WINHTTP_INVALID_SERVER_RESPONSE);
    EXPECT_EQ(error_of("HTTP/1.1 200 OK\r\nA: x\ry\r\n\r\n"), ERROR_WINHTTP_INVALID_SERVER_RESPONSE);
}

TEST(ResponseParser, InvalidChunkSizeIsInvalidResponse) {
    EXPECT_EQ(error_of("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"),
              ERROR_WINHTTP_INVALID_SERVER_RESPONSE);
    EXPECT_EQ(error_of("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n-1\r\n"),
              ERROR_WINHTTP_INVALID_SERVER_RESPONSE);
    EXPECT_EQ(error_of("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n"),
              ERROR_WINHTTP_INVALID_SERVER_RESPONSE)
        << "chunk data longer than its size";
}

// RFC 9112 §7.1: chunk = chunk-size [ chunk-ext ] CRLF chunk-data CRLF. llhttp 8.1 skips the
// two bytes after chunk data unread; the parser checks them itself (every split: error_of grinds).
TEST(ResponseParser, ChunkDataNotFollowedByCrlfIsInvalidResponse) {
    const std::string head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
    for (const std::string bad : {std::string("5\r\nhelloXX0\r\n\r\n"),
                                  std::string("5\r\nhello\rX0\r\n\r\n"),
                                  std::string("5\r\nhelloX\n0\r\n\r\n"),
                                  std::string("5\r\nhello\n\r0\r\n\r\n"),
                                  std::string("2\r\nhi\r\n3\r\nabc\n\n0\r\n\r\n")}) {
        SCOPED_TRACE(printable(bad));
        EXPECT_EQ(error_of(head + bad), ERROR_WINHTTP_INVALID_SERVER_RESPONSE);
    }
}

TEST(ResponseParser, ChunkDataErrorComesAfterTheDataOfThatChunk) {
    Outcome o = grind("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                      "2\r\nhi\r\n5\r\nhelloXX0\r\n\r\n");
    EXPECT_EQ(o.error, static_cast<DWORD>(ERROR_WINHTTP_INVALID_SERVER_RESPONSE));
    EXPECT_TRUE(o.messages.empty());
}

TEST(ResponseParser, ChunkCrlfCheckDoesNotCarryOverToTheNextResponse) {
    // The next response of the connection starts right after the last chunk's CRLF.
    Outcome o = grind("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                      "3\r\nabc\r\n0\r\n\r\n"
                      "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
    ASSERT_EQ(o.error, 0u);
    ASSERT_EQ(o.messages.size(), 2u);
    EXPECT_EQ(o.messages[0].body, "abc");
    EXPECT_EQ(o.messages[1].body, "ok");
}

TEST(ResponseParser, OverflowingChunkSizeIsInvalidResponse) {
    EXPECT_EQ(error_of("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                       "10000000000000000\r\n"),
              ERROR_WINHTTP_INVALID_SERVER_RESPONSE);
}

TEST(ResponseParser, ContentLengthWithChunkedIsInvalidResponse) {
    EXPECT_EQ(error_of("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n"),
              ERROR_WINHTTP_INVALID_SERVER_RESPONSE);
    EXPECT_EQ(error_of("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 2\r\n\r\n"),
              ERROR_WINHTTP_INVALID_SERVER_RESPONSE);
}

TEST(ResponseParser, ConflictingContentLengthIsInvalidResponse) {
    EXPECT_EQ(error_of("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nabc"),
              ERROR_WINHTTP_INVALID_SERVER_RESPONSE);
    EXPECT_EQ(error_of("HTTP/1.1 200 OK\r\nContent-Length: 2, 3\r\n\r\nabc"),
              ERROR_WINHTTP_INVALID_SERVER_RESPONSE);
}

TEST(ResponseParser, DuplicateEqualContentLengthIsInvalidResponse) {
    // llhttp refuses any repeated Content-Length; see the header comment of feed().
    EXPECT_EQ(error_of("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nab"),
              ERROR_WINHTTP_INVALID_SERVER_RESPONSE);
}

TEST(ResponseParser, OverflowingContentLengthIsInvalidResponse) {
    EXPECT_EQ(error_of("HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999\r\n\r\n"),
              ERROR_WINHTTP_INVALID_SERVER_RESPONSE);
    EXPECT_EQ(error_of("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n"),
              ERROR_WINHTTP_INVALID_SERVER_RESPONSE);
    EXPECT_EQ(error_of("HTTP/1.1 200 OK\r\nContent-Length: \r\n\r\n"),
              ERROR_WINHTTP_INVALID_SERVER_RESPONSE);
}

TEST(ResponseParser, OversizedHeaderBlockOverflows) {
    Options o = closing();
    o.limits.max_header_bytes = 48;
    EXPECT_EQ(error_of("HTTP/1.1 200 OK\r\nX-Pad: 0123456789012345678901234567890\r\n\r\n", o),
              ERROR_WINHTTP_HEADER_SIZE_OVERFLOW);
    const std::string at_limit = "HTTP/1.1 200 OK\r\nX-Pad: 0123456789\r\nContent-Length: 0\r\n\r\n";
    o.limits.max_header_bytes = at_limit.size() - 1;
    EXPECT_EQ(error_of(at_limit, o), ERROR_WINHTTP_HEADER_SIZE_OVERFLOW)
        << "the final blank line counts";
}

TEST(ResponseParser, DefaultHeaderLimitIs64KiB) {
    std::string wire = "HTTP/1.1 200 OK\r\nX-Big: " + std::string(70000, 'a') + "\r\n\r\n";
    ResponseParser p;
    ParseStep s = p.feed(wire.data(), wire.size());
    EXPECT_EQ(s.event, ParseEvent::Error);
    EXPECT_EQ(s.error, static_cast<DWORD>(ERROR_WINHTTP_HEADER_SIZE_OVERFLOW));
    EXPECT_LT(p.head().headers.empty() ? 0 : p.head().headers[0].value.size(), 64u * 1024)
        << "the parser stops collecting at the limit";
}

TEST(ResponseParser, ManySmallHeadersOverflow) {
    std::string wire = "HTTP/1.1 200 OK\r\n";
    for (int i = 0; i < 20000; ++i) wire += "A: b\r\n";  // 120 000 bytes
    wire += "\r\n";
    ResponseParser p;
    size_t off = 0;
    ParseStep s{ParseEvent::NeedMore, 0};
    while (off < wire.size() && s.event == ParseEvent::NeedMore) {
        size_t n = std::min<size_t>(1000, wire.size() - off);
        s = p.feed(wire.data() + off, n);
        off += n;
    }
    EXPECT_EQ(s.event, ParseEvent::Error);
    EXPECT_EQ(s.error, static_cast<DWORD>(ERROR_WINHTTP_HEADER_SIZE_OVERFLOW));
}

TEST(ResponseParser, OversizedChunkExtensionOverflows) {
    Options o = closing();
    o.limits.max_chunk_ext_bytes = 16;
    EXPECT_EQ(error_of("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                       "1;name=0123456789abcdef\r\nx\r\n0\r\n\r\n",
                       o),
              ERROR_WINHTTP_CHUNKED_ENCODING_HEADER_SIZE_OVERFLOW);
    Outcome fine = grind("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                         "1;name=01234567\r\nx\r\n1;name=01234567\r\ny\r\n0\r\n\r\n",
                         o);
    EXPECT_EQ(fine.error, 0u) << "the budget is per chunk line";
    ASSERT_EQ(fine.messages.size(), 1u);
    EXPECT_EQ(fine.messages[0].body, "xy");
}

TEST(ResponseParser, OversizedTrailersOverflow) {
    Options o = closing();
    o.limits.max_header_bytes = 64;
    std::string wire = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\n";
    for (int i = 0; i < 8; ++i) wire += "Trailer-" + std::to_string(i) + ": value\r\n";
    wire += "\r\n";
    EXPECT_EQ(error_of(wire, o), ERROR_WINHTTP_CHUNKED_ENCODING_HEADER_SIZE_OVERFLOW);
}

TEST(ResponseParser, TruncatedContentLengthBodyIsConnectionError) {
    EXPECT_EQ(error_of("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort"),
              ERROR_WINHTTP_CONNECTION_ERROR);
    EXPECT_EQ(error_of("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n"),
              ERROR_WINHTTP_CONNECTION_ERROR);
}

TEST(ResponseParser, TruncatedChunkedBodyIsConnectionError) {
    EXPECT_EQ(error_of("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel"),
              ERROR_WINHTTP_CONNECTION_ERROR);
    EXPECT_EQ(error_of("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n"),
              ERROR_WINHTTP_CONNECTION_ERROR);
    EXPECT_EQ(error_of("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nT: v\r\n"),
              ERROR_WINHTTP_CONNECTION_ERROR)
        << "closed inside the trailers";
}

TEST(ResponseParser, CloseInsideTheHeadIsInvalidResponse) {
    EXPECT_EQ(error_of("HTTP/1.1 200 OK\r\nContent-Le"), ERROR_WINHTTP_INVALID_SERVER_RESPONSE);
    EXPECT_EQ(error_of("HTTP/1.1 200 OK\r\n"), ERROR_WINHTTP_INVALID_SERVER_RESPONSE);
    EXPECT_EQ(error_of("H"), ERROR_WINHTTP_INVALID_SERVER_RESPONSE);
}

TEST(ResponseParser, CloseBeforeAnyByteIsInvalidResponse) {
    ResponseParser p;
    EXPECT_TRUE(p.idle()) << "the caller can tell a stale keep-alive connection";
    ParseStep s = p.finish();
    EXPECT_EQ(s.event, ParseEvent::Error);
    EXPECT_EQ(s.error, static_cast<DWORD>(ERROR_WINHTTP_INVALID_SERVER_RESPONSE));
}

TEST(ResponseParser, ErrorIsSticky) {
    ResponseParser p;
    ParseStep s = p.feed("BOGUS\r\n", 7);
    ASSERT_EQ(s.event, ParseEvent::Error);
    const std::string good = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
    s = p.feed(good.data(), good.size());
    EXPECT_EQ(s.event, ParseEvent::Error);
    EXPECT_EQ(s.error, static_cast<DWORD>(ERROR_WINHTTP_INVALID_SERVER_RESPONSE));
    EXPECT_EQ(s.consumed, 0u);
    EXPECT_EQ(p.finish().event, ParseEvent::Error);
    p.reset(false);
    EXPECT_EQ(p.feed(good.data(), good.size()).event, ParseEvent::HeadComplete) << "reset clears it";
}

TEST(ResponseParser, GarbageAfterBodyIsAnErrorOfTheNextResponse) {
    Outcome o = grind("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nxGARBAGE\r\n");
    ASSERT_EQ(o.messages.size(), 1u);
    EXPECT_EQ(o.messages[0].body, "x");
    EXPECT_EQ(o.error, static_cast<DWORD>(ERROR_WINHTTP_INVALID_SERVER_RESPONSE));
}

// A parser hands its llhttp state and header strings to the next parser made on its thread
// (issue 16: no allocation per keep-alive response). The next response must see its own head
// only: fewer, shorter or longer headers, a different reason, no trailers of the old one.
TEST(ResponseParser, RecycledPartsCarryNothingOver) {
    ResponseParser::drop_thread_spare();  // tests share threads: start from a known slot
    {
        ResponseParser p;
        const std::string a =
            "HTTP/1.1 200 A reason longer than fifteen bytes\r\nDate: Thu, 03 Dec 2026 07:10:54 GMT\r\n"
            "Content-Type: application/octet-stream\r\nX-A: 1\r\nX-B: 2\r\n"
            "Transfer-Encoding: chunked\r\n\r\n0\r\nTrailer-Name: trailer value\r\n\r\n";
        ParseStep s = p.feed(a.data(), a.size());
        ASSERT_EQ(s.event, ParseEvent::HeadComplete);
        ASSERT_EQ(p.head().headers.size(), 5u);
        s = p.feed(a.data() + s.consumed, a.size() - s.consumed);
        ASSERT_EQ(s.event, ParseEvent::MessageComplete);
        ASSERT_EQ(p.head().trailers.size(), 1u);
    }
    ResponseParser q;  // takes the parts the first one left
    const std::string b = "HTTP/1.0 404 NF\r\nContent-Length: 2\r\nServer: s\r\n\r\nhi";
    ParseStep s = q.feed(b.data(), b.size());
    ASSERT_EQ(s.event, ParseEvent::HeadComplete);
    EXPECT_EQ(q.head().status, 404u);
    EXPECT_EQ(q.head().version_minor, 0u);
    EXPECT_EQ(q.head().reason, "NF");
    ASSERT_EQ(q.head().headers.size(), 2u);
    EXPECT_EQ(q.head().headers[0].name, "Content-Length");
    EXPECT_EQ(q.head().headers[0].value, "2");
    EXPECT_EQ(q.head().headers[1].name, "Server");
    EXPECT_EQ(q.head().headers[1].value, "s");
    EXPECT_TRUE(q.head().trailers.empty());
    EXPECT_FALSE(q.chunked());
    EXPECT_EQ(q.content_length(), std::optional<uint64_t>(2));
    s = q.feed(b.data() + s.consumed, b.size() - s.consumed);
    ASSERT_EQ(s.event, ParseEvent::Body);
    EXPECT_EQ(std::string(s.body, s.body_len), "hi");
}

// A parser destroyed on another thread leaves its parts there; this thread's parsers and the
// other thread's exit (which frees them: the ASan tree's leak check) are unaffected.
TEST(ResponseParser, DestroyedOnAnotherThread) {
    auto p = std::make_unique<ResponseParser>();
    const std::string a = "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n\r\n";
    ASSERT_EQ(p->feed(a.data(), a.size()).event, ParseEvent::HeadComplete);
    std::thread t([&] { p.reset(); });
    t.join();
    ResponseParser q;
    const std::string b = "HTTP/1.1 204 No Content\r\n\r\n";
    ASSERT_EQ(q.feed(b.data(), b.size()).event, ParseEvent::HeadComplete);
    EXPECT_TRUE(q.head().headers.empty());
}

}  // namespace
}  // namespace winhttp::http1
