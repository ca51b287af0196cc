// transfer.h - one HTTP request through WinHTTP, as the command line describes it.
#pragma once

#include "options.h"

namespace whttp {

// Cracks the URL, opens session, connection and request handles, sends the request and
// its body, and writes headers and body as the options ask. Returns the exit code.
int run_transfer(const Options& opt);

}  // namespace whttp
