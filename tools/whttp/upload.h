// upload.h - the request body from -d, --data-binary or -T, and sending it.
#pragma once

#include <winhttp.h>

#include <cstdint>
#include <string>

#include "options.h"

namespace whttp {

class RequestBody {
  public:
    // Reads the body the options describe. In-memory data (-d, stdin) is read now; a single
    // --data-binary @FILE or -T FILE is only sized here and streamed by send().
    // Returns 0, or kExitRead after printing why.
    int load(const Options& opt);

    bool present() const { return kind_ != Kind::none; }
    std::uint64_t size() const { return size_; }

    // WinHttpSendRequest with the body: in-memory data goes in lpOptional, a file follows in
    // 64 KiB WinHttpWriteData calls with dwTotalLength = its size. Bodies of 4 GiB and more
    // carry their own Content-Length header instead. Returns 0 or an exit code.
    int send(HINTERNET request) const;

  private:
    enum class Kind { none, memory, file };

    int load_data(const Options& opt);
    int load_upload(const std::string& path);
    int stream_file(HINTERNET request) const;

    Kind kind_ = Kind::none;
    std::string memory_;
    std::string path_;
    std::uint64_t size_ = 0;
};

}  // namespace whttp
