// The one table of error names (src/util/error_names.h) against the header and the message texts.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "api/message_texts.h"
#include "util/error_names.h"

namespace {

TEST(ErrorNames, NamesTheWinHttpTimeoutWithItsMacroName) {
    EXPECT_STREQ(winhttp::error_name(ERROR_WINHTTP_TIMEOUT), "ERROR_WINHTTP_TIMEOUT");
    EXPECT_STREQ(winhttp::error_name(12002), "ERROR_WINHTTP_TIMEOUT");
    EXPECT_STREQ(winhttp::error_name(ERROR_INVALID_HANDLE), "ERROR_INVALID_HANDLE");
    EXPECT_STREQ(winhttp::error_name(ERROR_WINHTTP_FAST_FORWARDING_NOT_SUPPORTED),
                 "ERROR_WINHTTP_FAST_FORWARDING_NOT_SUPPORTED");
}

TEST(ErrorNames, UnknownCodeIsNamedUnknown) {
    EXPECT_STREQ(winhttp::error_name(12003), "UNKNOWN_ERROR");
    EXPECT_STREQ(winhttp::error_name(0xFFFFFFFFu), "UNKNOWN_ERROR");
}

TEST(ErrorNames, EveryCodeOnceAndEveryNameOnce) {
    std::set<DWORD> codes;
    std::set<std::string> names;
    for (const winhttp::ErrorName& e : winhttp::kErrorNames) {
        EXPECT_TRUE(codes.insert(e.code).second) << e.code;
        EXPECT_TRUE(names.insert(e.name).second) << e.name;
    }
}

// Every code FormatMessage has a text for has a name, so no printed error is UNKNOWN_ERROR.
TEST(ErrorNames, EveryCodeWithAMessageTextHasAName) {
    for (const winhttp::MessageText& m : winhttp::kWinHttpMessages)
        EXPECT_STRNE(winhttp::error_name(m.id), "UNKNOWN_ERROR") << m.id;
    for (const winhttp::MessageText& m : winhttp::kSystemMessages)
        EXPECT_STRNE(winhttp::error_name(m.id), "UNKNOWN_ERROR") << m.id;
}

}  // namespace
