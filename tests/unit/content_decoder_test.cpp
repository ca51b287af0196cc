#include "http1/content_decoder.h"

#include <winhttp.h>
#include <zlib.h>

#include <gtest/gtest.h>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include <string>
#include <vector>

namespace winhttp::http1 {
namespace {

using Coding = ContentDecoder::Coding;

enum class Wrap { Gzip, Zlib, Raw };

// Compresses with zlib at test time, so every wrapper is produced by a real compressor.
std::string compress(const std::string& data, Wrap wrap, int level = Z_DEFAULT_COMPRESSION) {
    const int bits = wrap == Wrap::Gzip ? 15 + 16 : wrap == Wrap::Zlib ? 15 : -15;
    z_stream z{};
    EXPECT_EQ(deflateInit2(&z, level, Z_DEFLATED, bits, 8, Z_DEFAULT_STRATEGY), Z_OK);
    std::string out(deflateBound(&z, static_cast<uLong>(data.size())) + 64, '\0');
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    z.avail_in = static_cast<uInt>(data.size());
    z.next_out = reinterpret_cast<Bytef*>(out.data());
    z.avail_out = static_cast<uInt>(out.size());
    EXPECT_EQ(deflate(&z, Z_FINISH), Z_STREAM_END);
    out.resize(z.total_out);
    deflateEnd(&z);
    return out;
}

std::string sample_text() {
    std::string s;
    for (int i = 0; i < 200; ++i) {
        s += "line " + std::to_string(i) + ": the quick brown fox jumps over the lazy dog ";
        s += std::string(static_cast<size_t>(i % 7), static_cast<char>('a' + i % 26)) + "\n";
    }
    return s;
}

struct Decoded {
    std::string output;
    DWORD error = 0;   // first decode() error
    DWORD finish = 0;  // finish() result, when no decode() error
    bool done = false; // `done` after the last call
};

// Feeds the pieces in order through a decoder with an out_cap-byte output buffer, draining after
// each piece as a body reader would.
Decoded decode_pieces(Coding coding, const std::vector<std::string>& pieces, size_t out_cap) {
    ContentDecoder dec;
    Decoded r;
    EXPECT_EQ(dec.init(coding), static_cast<DWORD>(ERROR_SUCCESS));
    std::vector<char> buf(out_cap);
    for (const std::string& piece : pieces) {
        std::vector<char> copy(piece.begin(), piece.end());  // dies after use: no pointer kept
        const char* p = copy.data();
        size_t n = copy.size();
        for (;;) {
            size_t produced = 0;
            const size_t before = n;
            r.error = dec.decode(p, n, buf.data(), buf.size(), produced, r.done);
            if (r.error != 0) return r;
            EXPECT_LE(produced, out_cap);
            r.output.append(buf.data(), produced);
            if (n == 0 && produced == 0) break;
            if (n == before && produced == 0) {
                ADD_FAILURE() << "decoder makes no progress";
                return r;
            }
        }
    }
    r.finish = dec.finish();
    return r;
}

// Decodes `wire` whole, split in two at every offset, and one byte at a time, expecting
// `expected` and a clean finish every time.
void grind(Coding coding, const std::string& wire, const std::string& expected, size_t out_cap = 4096) {
    Decoded whole = decode_pieces(coding, {wire}, out_cap);
    EXPECT_EQ(whole.error, 0u);
    EXPECT_EQ(whole.finish, 0u);
    EXPECT_TRUE(whole.done);
    EXPECT_EQ(whole.output, expected);
    for (size_t i = 0; i <= wire.size() && !::testing::Test::HasFailure(); ++i) {
        Decoded split = decode_pieces(coding, {wire.substr(0, i), wire.substr(i)}, out_cap);
        EXPECT_EQ(split.error, 0u) << "split at " << i;
        EXPECT_EQ(split.finish, 0u) << "split at " << i;
        EXPECT_EQ(split.output, expected) << "split at " << i;
    }
    std::vector<std::string> bytes;
    for (char c : wire) bytes.emplace_back(1, c);
    Decoded bytewise = decode_pieces(coding, bytes, out_cap);
    EXPECT_EQ(bytewise.finish, 0u);
    EXPECT_EQ(bytewise.output, expected) << "one byte at a time";
}

TEST(ContentDecoder, FromHeaderRecognisesCodings) {
    EXPECT_EQ(ContentDecoder::from_header("gzip"), Coding::Gzip);
    EXPECT_EQ(ContentDecoder::from_header(" GZip\t"), Coding::Gzip);
    EXPECT_EQ(ContentDecoder::from_header("x-gzip"), Coding::Gzip);
    EXPECT_EQ(ContentDecoder::from_header("deflate"), Coding::Deflate);
    EXPECT_EQ(ContentDecoder::from_header("DEFLATE"), Coding::Deflate);
    EXPECT_EQ(ContentDecoder::from_header(""), Coding::Identity);
    EXPECT_EQ(ContentDecoder::from_header("identity"), Coding::Identity);
    EXPECT_EQ(ContentDecoder::from_header("br"), Coding::Identity);
    EXPECT_EQ(ContentDecoder::from_header("compress"), Coding::Identity);
    EXPECT_EQ(ContentDecoder::from_header("gzip, br"), Coding::Identity);
    EXPECT_EQ(ContentDecoder::from_header("gzipx"), Coding::Identity);
}

TEST(ContentDecoder, IdentityCopiesThrough) {
    const std::string text = sample_text();
    Decoded d = decode_pieces(Coding::Identity, {text.substr(0, 100), text.substr(100)}, 7);
    EXPECT_EQ(d.error, 0u);
    EXPECT_EQ(d.finish, 0u);
    EXPECT_FALSE(d.done);
    EXPECT_EQ(d.output, text);
}

TEST(ContentDecoder, GzipDecodesAtEveryInputSplit) {
    const std::string text = sample_text();
    grind(Coding::Gzip, compress(text, Wrap::Gzip), text);
}

TEST(ContentDecoder, ZlibDeflateDecodesAtEverySplit) {
    const std::string text = sample_text();
    grind(Coding::Deflate, compress(text, Wrap::Zlib), text);
}

TEST(ContentDecoder, RawDeflateDecodesAtEverySplit) {
    const std::string text = sample_text();
    grind(Coding::Deflate, compress(text, Wrap::Raw), text);
}

TEST(ContentDecoder, StoredAndTinyStreamsDecode) {
    grind(Coding::Deflate, compress("", Wrap::Raw), "");
    grind(Coding::Deflate, compress("", Wrap::Zlib), "");
    grind(Coding::Gzip, compress("", Wrap::Gzip), "");
    grind(Coding::Deflate, compress("abc", Wrap::Raw, 0), "abc");
    grind(Coding::Deflate, compress("abc", Wrap::Zlib, 0), "abc");
}

TEST(ContentDecoder, OneByteOutputBuffer) {
    const std::string text = sample_text().substr(0, 1500);
    grind(Coding::Gzip, compress(text, Wrap::Gzip), text, 1);
    grind(Coding::Deflate, compress(text, Wrap::Zlib), text, 1);
    grind(Coding::Deflate, compress(text, Wrap::Raw), text, 1);
}

TEST(ContentDecoder, GzipAcceptsZlibWrappedData) {
    const std::string text = sample_text();
    Decoded d = decode_pieces(Coding::Gzip, {compress(text, Wrap::Zlib)}, 512);
    EXPECT_EQ(d.error, 0u);
    EXPECT_EQ(d.finish, 0u);
    EXPECT_EQ(d.output, text);
}

TEST(ContentDecoder, ConcatenatedGzipMembersDecode) {
    const std::string a = "first member\n", b = sample_text();
    grind(Coding::Gzip, compress(a, Wrap::Gzip) + compress(b, Wrap::Gzip) + compress("", Wrap::Gzip),
          a + b, 64);
}

TEST(ContentDecoder, DataAfterTheStreamIsIgnored) {
    const std::string text = "payload";
    grind(Coding::Deflate, compress(text, Wrap::Raw) + "junk after the end", text);
    grind(Coding::Deflate, compress(text, Wrap::Zlib) + std::string(5, '\0'), text);
    grind(Coding::Gzip, compress(text, Wrap::Gzip) + std::string(8, '\0'), text);
    // Garbage followed by what looks like a new member is still garbage.
    grind(Coding::Gzip, compress(text, Wrap::Gzip) + "x" + compress("more", Wrap::Gzip), text);
}

TEST(ContentDecoder, DoneMeansTheStreamIsComplete) {
    const std::string wire = compress("hello", Wrap::Gzip);
    Decoded partial = decode_pieces(Coding::Gzip, {wire.substr(0, wire.size() - 1)}, 64);
    EXPECT_FALSE(partial.done);
    Decoded whole = decode_pieces(Coding::Gzip, {wire}, 64);
    EXPECT_TRUE(whole.done);
}

TEST(ContentDecoder, CorruptInputIsInvalidResponse) {
    const std::string text = sample_text();
    std::string gz = compress(text, Wrap::Gzip);
    gz[gz.size() - 6] ^= 0x55;  // CRC-32 in the trailer
    EXPECT_EQ(decode_pieces(Coding::Gzip, {gz}, 4096).error,
              static_cast<DWORD>(ERROR_WINHTTP_INVALID_SERVER_RESPONSE));

    std::string zl = compress(text, Wrap::Zlib);
    zl[zl.size() - 1] ^= 0x01;  // Adler-32
    EXPECT_EQ(decode_pieces(Coding::Deflate, {zl}, 4096).error,
              static_cast<DWORD>(ERROR_WINHTTP_INVALID_SERVER_RESPONSE));

    EXPECT_EQ(decode_pieces(Coding::Gzip, {"this is not gzip at all"}, 64).error,
              static_cast<DWORD>(ERROR_WINHTTP_INVALID_SERVER_RESPONSE));
    // 0xff: a raw block of reserved type 3.
    EXPECT_EQ(decode_pieces(Coding::Deflate, {std::string(16, '\xff')}, 64).error,
              static_cast<DWORD>(ERROR_WINHTTP_INVALID_SERVER_RESPONSE));
}

TEST(ContentDecoder, ErrorIsSticky) {
    ContentDecoder dec;
    ASSERT_EQ(dec.init(Coding::Gzip), 0u);
    char out[64];
    size_t produced = 0;
    bool done = false;
    const char* p = "garbage!";
    size_t n = 8;
    EXPECT_EQ(dec.decode(p, n, out, sizeof out, produced, done),
              static_cast<DWORD>(ERROR_WINHTTP_INVALID_SERVER_RESPONSE));
    const std::string good = compress("ok", Wrap::Gzip);
    p = good.data();
    n = good.size();
    EXPECT_EQ(dec.decode(p, n, out, sizeof out, produced, done),
              static_cast<DWORD>(ERROR_WINHTTP_INVALID_SERVER_RESPONSE));
    EXPECT_EQ(produced, 0u);
    EXPECT_EQ(dec.finish(), static_cast<DWORD>(ERROR_WINHTTP_INVALID_SERVER_RESPONSE));
    ASSERT_EQ(dec.init(Coding::Gzip), 0u) << "init starts over";
    EXPECT_EQ(dec.decode(p, n, out, sizeof out, produced, done), 0u);
    EXPECT_EQ(std::string(out, produced), "ok");
}

TEST(ContentDecoder, TruncatedInputFailsFinish) {
    const std::string text = sample_text();
    for (Wrap wrap : {Wrap::Gzip, Wrap::Zlib, Wrap::Raw}) {
        const std::string wire = compress(text, wrap);
        const Coding coding = wrap == Wrap::Gzip ? Coding::Gzip : Coding::Deflate;
        for (size_t cut = 1; cut < wire.size(); ++cut) {
            Decoded d = decode_pieces(coding, {wire.substr(0, cut)}, 4096);
            ASSERT_EQ(d.error, 0u) << "cut at " << cut;
            ASSERT_EQ(d.finish, static_cast<DWORD>(ERROR_WINHTTP_INVALID_SERVER_RESPONSE))
                << "cut at " << cut;
            ASSERT_FALSE(d.done);
        }
    }
}

TEST(ContentDecoder, EmptyBodyFinishesCleanly) {
    for (Coding c : {Coding::Gzip, Coding::Deflate, Coding::Identity}) {
        Decoded d = decode_pieces(c, {}, 64);
        EXPECT_EQ(d.error, 0u);
        EXPECT_EQ(d.finish, 0u);
        EXPECT_EQ(d.output, "");
    }
}

TEST(ContentDecoder, InitStartsTheNextBody) {
    ContentDecoder dec;
    char out[256];
    size_t produced = 0;
    bool done = false;
    for (Wrap wrap : {Wrap::Zlib, Wrap::Gzip, Wrap::Raw, Wrap::Gzip}) {
        const std::string wire = compress("body", wrap);
        ASSERT_EQ(dec.init(wrap == Wrap::Gzip ? Coding::Gzip : Coding::Deflate), 0u);
        const char* p = wire.data();
        size_t n = wire.size();
        ASSERT_EQ(dec.decode(p, n, out, sizeof out, produced, done), 0u);
        EXPECT_EQ(std::string(out, produced), "body");
        EXPECT_TRUE(done);
        EXPECT_EQ(dec.finish(), 0u);
    }
}

TEST(ContentDecoder, MovedDecoderKeepsDecoding) {
    const std::string text = sample_text();
    const std::string wire = compress(text, Wrap::Gzip);
    ContentDecoder a;
    ASSERT_EQ(a.init(Coding::Gzip), 0u);
    std::vector<char> out(text.size());
    size_t produced = 0;
    bool done = false;
    const char* p = wire.data();
    size_t n = wire.size() / 2;
    ASSERT_EQ(a.decode(p, n, out.data(), out.size(), produced, done), 0u);
    std::string got(out.data(), produced);
    ContentDecoder b = std::move(a);
    n = wire.size() - static_cast<size_t>(p - wire.data());
    ASSERT_EQ(b.decode(p, n, out.data(), out.size(), produced, done), 0u);
    got.append(out.data(), produced);
    EXPECT_EQ(got, text);
    EXPECT_EQ(b.finish(), 0u);
}

size_t heap_in_use() {
#if defined(__GLIBC__)
    return mallinfo2().uordblks;
#else
    return 0;
#endif
}

// 100 MB of zeros compress to about 100 KB. Decoding them through a 64 KiB buffer must stream:
// the heap may grow by zlib's state and window, not by the output.
TEST(ContentDecoder, DecompressionBombStreamsThroughSmallBuffer) {
    constexpr size_t kTotal = 100u * 1024 * 1024;
    std::string bomb;
    {
        z_stream z{};
        ASSERT_EQ(deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY), Z_OK);
        std::vector<char> zeros(1 << 20, '\0');
        std::vector<char> chunk(1 << 16);
        for (size_t fed = 0; fed <= kTotal;) {
            const bool last = fed == kTotal;
            z.next_in = reinterpret_cast<Bytef*>(zeros.data());
            z.avail_in = last ? 0 : static_cast<uInt>(zeros.size());
            int rc;
            do {
                z.next_out = reinterpret_cast<Bytef*>(chunk.data());
                z.avail_out = static_cast<uInt>(chunk.size());
                rc = deflate(&z, last ? Z_FINISH : Z_NO_FLUSH);
                bomb.append(chunk.data(), chunk.size() - z.avail_out);
            } while (z.avail_out == 0 || (last && rc != Z_STREAM_END));
            if (last) break;
            fed += zeros.size();
        }
        deflateEnd(&z);
    }
    ASSERT_LT(bomb.size(), 200u * 1024);

    ContentDecoder dec;
    ASSERT_EQ(dec.init(Coding::Gzip), 0u);
    std::vector<char> out(64 * 1024);
    const size_t baseline = heap_in_use();
    size_t peak = baseline;
    size_t total = 0;
    bool all_zero = true;
    bool done = false;
    for (size_t off = 0; off < bomb.size();) {
        const size_t piece = std::min<size_t>(16 * 1024, bomb.size() - off);
        const char* p = bomb.data() + off;
        size_t n = piece;
        for (;;) {
            size_t produced = 0;
            ASSERT_EQ(dec.decode(p, n, out.data(), out.size(), produced, done), 0u);
            ASSERT_LE(produced, out.size());
            for (size_t i = 0; i < produced; i += 4096) all_zero = all_zero && out[i] == 0;
            total += produced;
            peak = std::max(peak, heap_in_use());
            if (n == 0 && produced == 0) break;
        }
        off += piece;
    }
    EXPECT_TRUE(done);
    EXPECT_EQ(dec.finish(), 0u);
    EXPECT_EQ(total, kTotal);
    EXPECT_TRUE(all_zero);
    EXPECT_LT(peak - baseline, 256u * 1024) << "decoding must not accumulate output";
}

}  // namespace
}  // namespace winhttp::http1
