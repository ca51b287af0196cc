#include "util/wide.h"

#include <gtest/gtest.h>

#include <string>

namespace {

using winhttp::from_utf8;
using winhttp::iequals;
using winhttp::to_ascii_lower;
using winhttp::to_utf8;

const std::wstring kReplacement(1, L'\xFFFD');

TEST(WideToUtf8, AsciiIsCopied) {
    EXPECT_EQ(to_utf8(L"GET /index.html"), "GET /index.html");
    EXPECT_EQ(to_utf8(L""), "");
}

TEST(WideToUtf8, EncodesTwoThreeAndFourByteForms) {
    EXPECT_EQ(to_utf8(L"\x00E9"), "\xC3\xA9");              // é
    EXPECT_EQ(to_utf8(L"\x20AC"), "\xE2\x82\xAC");          // €
    EXPECT_EQ(to_utf8(L"\x0001F600"), "\xF0\x9F\x98\x80");  // 😀 as one UTF-32 unit
}

TEST(WideToUtf8, JoinsSurrogatePairFromUtf16Sources) {
    const wchar_t pair[] = {0xD83D, 0xDE00, 0};
    EXPECT_EQ(to_utf8(pair), "\xF0\x9F\x98\x80");
}

TEST(WideToUtf8, LoneSurrogateBecomesReplacementCharacter) {
    const wchar_t high_then_a[] = {0xD83D, L'a', 0};
    EXPECT_EQ(to_utf8(high_then_a),
              "\xEF\xBF\xBD"
              "a");
    const wchar_t low_alone[] = {0xDE00, 0};
    EXPECT_EQ(to_utf8(low_alone), "\xEF\xBF\xBD");
}

TEST(WideToUtf8, ValueAboveUnicodeRangeBecomesReplacementCharacter) {
    const wchar_t too_big[] = {static_cast<wchar_t>(0x110000), static_cast<wchar_t>(-1), 0};
    EXPECT_EQ(to_utf8(too_big), "\xEF\xBF\xBD\xEF\xBF\xBD");
}

TEST(WideFromUtf8, DecodesValidSequences) {
    EXPECT_EQ(from_utf8("abc"), L"abc");
    EXPECT_EQ(from_utf8("\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80"), L"\x00E9\x20AC\x0001F600");
}

TEST(WideFromUtf8, RoundTripsEveryPlane) {
    const std::wstring text = L"a\x0080\x07FF\x0800\xFFFF\x00010000\x0010FFFF";
    EXPECT_EQ(from_utf8(to_utf8(text)), text);
}

TEST(WideFromUtf8, StrayContinuationByteIsOneReplacement) {
    EXPECT_EQ(from_utf8("a\x80"
                        "b"),
              L"a" + kReplacement + L"b");
}

TEST(WideFromUtf8, TruncatedSequenceIsOneReplacement) {
    EXPECT_EQ(from_utf8("\xE2\x82"), kReplacement);
    EXPECT_EQ(from_utf8("\xE2\x82"
                        "a"),
              kReplacement + L"a");
}

TEST(WideFromUtf8, OverlongFormIsRejected) {
    // C0 can never start a sequence; 80 is then a stray continuation byte.
    EXPECT_EQ(from_utf8("\xC0\x80"), kReplacement + kReplacement);
    // E0 80 80 would be an overlong NUL: E0 needs A0..BF next.
    EXPECT_EQ(from_utf8("\xE0\x80\x80"), kReplacement + kReplacement + kReplacement);
}

TEST(WideFromUtf8, EncodedSurrogateIsRejected) {
    EXPECT_EQ(from_utf8("\xED\xA0\x80"), kReplacement + kReplacement + kReplacement);
}

TEST(WideFromUtf8, ValueAboveUnicodeRangeIsRejected) {
    EXPECT_EQ(from_utf8("\xF4\x90\x80\x80"), std::wstring(4, L'\xFFFD'));
    EXPECT_EQ(from_utf8("\xF5"), kReplacement);
    EXPECT_EQ(from_utf8("\xFF"), kReplacement);
}

// MultiByteToWideChar's MB_ERR_INVALID_CHARS and WideCharToMultiByte's WC_ERR_INVALID_CHARS
// ask whether anything would be replaced.
TEST(WideValidity, ValidUtf8IsWhatDecodesWithoutReplacement) {
    EXPECT_TRUE(winhttp::valid_utf8(""));
    EXPECT_TRUE(winhttp::valid_utf8("h\xC3\xA9llo \xF0\x9F\x98\x80"));
    EXPECT_TRUE(winhttp::valid_utf8("\xEF\xBF\xBD"));  // U+FFFD spelled out is valid
    EXPECT_TRUE(winhttp::valid_utf8(std::string("a\0b", 3)));
    for (const char* bad : {"\xFF", "\x80", "\xC0\x80", "\xE2\x82", "\xED\xA0\x80", "\xF4\x90\x80\x80"}) {
        EXPECT_FALSE(winhttp::valid_utf8(bad)) << bad;
    }
}

TEST(WideValidity, ValidWideAcceptsPairsAndRejectsLoneSurrogates) {
    EXPECT_TRUE(winhttp::valid_wide(L"abc"));
    EXPECT_TRUE(winhttp::valid_wide(std::wstring{wchar_t(0xD83D), wchar_t(0xDE00)}));
    EXPECT_TRUE(winhttp::valid_wide(std::wstring{wchar_t(0x10FFFF)}));
    EXPECT_FALSE(winhttp::valid_wide(std::wstring{L'a', wchar_t(0xD800)}));
    EXPECT_FALSE(winhttp::valid_wide(std::wstring{wchar_t(0xDC00), L'a'}));
    EXPECT_FALSE(winhttp::valid_wide(std::wstring{wchar_t(0x110000)}));
}

TEST(WideToUtf8, ReplacementOfTheCallersChoice) {
    bool replaced = true;
    EXPECT_EQ(to_utf8(L"ok", "?", replaced), "ok");
    EXPECT_FALSE(replaced);
    EXPECT_EQ(to_utf8(std::wstring{L'x', wchar_t(0xDFFF), L'y'}, "?", replaced), "x?y");
    EXPECT_TRUE(replaced);
}

TEST(WideAscii, LowerCasesOnlyAsciiLetters) {
    EXPECT_EQ(to_ascii_lower("Content-TYPE: X"), "content-type: x");
    EXPECT_EQ(to_ascii_lower("\xC3\x89"), "\xC3\x89");  // É's UTF-8 bytes are not touched
}

TEST(WideAscii, IequalsIgnoresAsciiCaseOnly) {
    EXPECT_TRUE(iequals("HTTPS", "https"));
    EXPECT_TRUE(iequals("", ""));
    EXPECT_FALSE(iequals("http", "https"));
    EXPECT_FALSE(iequals("[", "{"));  // 0x5B vs 0x7B differ by the case bit but are not letters
    EXPECT_TRUE(iequals(L"Http", L"hTTP"));
    EXPECT_FALSE(iequals(L"\x00C9", L"\x00E9"));
}

}  // namespace
