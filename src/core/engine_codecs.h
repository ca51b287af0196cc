// The engine's decoder and exchanges (private to src/core/engine*.cpp).
#pragma once
#include <memory>
#include <optional>

#include "core/engine.h"
#include "core/h2_exchange.h"
#include "core/http1_exchange.h"
#include "http1/content_decoder.h"

namespace winhttp {

struct RequestEngine::Codecs {
    http1::ContentDecoder decoder;
    // The exchange of the last transmission, the one exchange_ points at: HTTP/1.1 kept in
    // place (no allocation per transmission), HTTP/2 made by attach_h2/adopt_h2.
    std::optional<Http1Exchange> h1;
    std::unique_ptr<H2Exchange> h2;
};

}  // namespace winhttp
