// The engine's per-response decoder (private to src/core/engine*.cpp).
#pragma once
#include "core/engine.h"
#include "http1/content_decoder.h"

namespace winhttp {

struct RequestEngine::Codecs {
    http1::ContentDecoder decoder;
};

}  // namespace winhttp
