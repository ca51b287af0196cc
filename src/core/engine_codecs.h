// The engine's per-response codecs (private to src/core/engine*.cpp).
#pragma once
#include <optional>

#include "core/engine.h"
#include "http1/content_decoder.h"
#include "http1/response_parser.h"

namespace winhttp {

struct RequestEngine::Codecs {
    // Built per response so the header-size limit in force at receive time applies.
    std::optional<http1::ResponseParser> parser;
    http1::ContentDecoder decoder;
    // The response of an HTTP/2 exchange (its trailers join when the stream ends); allocated
    // when its head arrives, so a request waiting for one holds no empty head.
    std::unique_ptr<http1::ResponseHead> h2_head;
    http1::ResponseParser& p() { return *parser; }
    const http1::ResponseHead& head() const {
        static const http1::ResponseHead no_response;  // before any response
        return h2_head ? *h2_head : parser ? parser->head() : no_response;
    }
};

}  // namespace winhttp
