#include "proxy/wpad.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>

using winhttp::proxy::wpad_candidates;

// Devolution: longest name first, never below two labels (wpad.com, wpad.lan are never asked).
TEST(WpadCandidates, SearchDomainsDevolveLongestFirst) {
    auto c = wpad_candidates("nameserver 10.0.0.1\nsearch a.corp.example.com lab.example.org\n");
    EXPECT_EQ(c, (std::vector<std::string>{"wpad.a.corp.example.com", "wpad.corp.example.com",
                                           "wpad.example.com", "wpad.lab.example.org",
                                           "wpad.example.org"}));
}

TEST(WpadCandidates, DomainLineWhenNoSearch) {
    EXPECT_EQ(wpad_candidates("domain Corp.Example.COM.\n"),
              (std::vector<std::string>{"wpad.corp.example.com", "wpad.example.com"}));
}

// resolv.conf(5): the last of "search" and "domain" wins.
TEST(WpadCandidates, LastSearchOrDomainLineWins) {
    EXPECT_EQ(wpad_candidates("search a.example.com\ndomain b.example.net\n"),
              (std::vector<std::string>{"wpad.b.example.net", "wpad.example.net"}));
    EXPECT_EQ(wpad_candidates("domain b.example.net\nsearch c.example.org\n"),
              (std::vector<std::string>{"wpad.c.example.org", "wpad.example.org"}));
}

TEST(WpadCandidates, SingleLabelAndCommentsGiveNothing) {
    EXPECT_TRUE(wpad_candidates("search lan\n").empty());
    EXPECT_TRUE(wpad_candidates("# search corp.example.com\nnameserver ::1\n").empty());
    EXPECT_TRUE(wpad_candidates("").empty());
}

TEST(WpadCandidates, DuplicatesAskedOnce) {
    EXPECT_EQ(wpad_candidates("search a.example.com b.example.com\n"),
              (std::vector<std::string>{"wpad.a.example.com", "wpad.example.com", "wpad.b.example.com"}));
}
