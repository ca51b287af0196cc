// whttp - a curl-like command-line HTTP client written only against the public WinHTTP API.
//
//   whttp [options] URL
//
// args.cpp parses the command line, transfer.cpp drives WinHTTP, upload.cpp and
// download.cpp move the bodies, errors.cpp names the errors and picks the exit code.
#include <cstdio>

#include "errors.h"
#include "options.h"
#include "transfer.h"

#ifndef WHTTP_VERSION
#define WHTTP_VERSION "0"
#endif

int main(int argc, char** argv) {
    whttp::Options opt;
    const whttp::ParseResult parsed = whttp::parse_args(argc, argv, opt);
    switch (parsed.action) {
        case whttp::ParseAction::help:
            whttp::print_help();
            return whttp::kExitOk;
        case whttp::ParseAction::version:
            std::printf("whttp %s (OpenWinHTTP)\n", WHTTP_VERSION);
            return whttp::kExitOk;
        case whttp::ParseAction::error:
            std::fprintf(stderr, "whttp: %s\nTry 'whttp --help' for more information.\n",
                         parsed.error.c_str());
            return whttp::kExitUsage;
        case whttp::ParseAction::run:
            break;
    }
    whttp::set_messages_enabled(!opt.silent || opt.show_error);
    return whttp::run_transfer(opt);
}
