// download.h - the response's destination and the body read loop.
#pragma once

#include <winhttp.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>

namespace whttp {

// stdout, or the -o file ("-" also means stdout), opened on first write so that a failed
// request leaves no empty file behind.
class Output {
  public:
    explicit Output(std::string path) : path_(std::move(path)) {}
    ~Output() { close(); }
    Output(const Output&) = delete;
    Output& operator=(const Output&) = delete;

    // Returns false when the data cannot be written; close() then reports why.
    bool write(const void* data, size_t size);
    bool write(std::string_view text) { return write(text.data(), text.size()); }

    // Flushes and closes; returns 0, or kExitWrite after printing why (once).
    int close();

    // True when the output is stdout and stdout is a terminal.
    bool is_terminal() const;

  private:
    bool is_stdout() const { return path_.empty() || path_ == "-"; }
    bool open();
    bool fail();

    std::string path_;
    std::FILE* file_ = nullptr;
    int error_ = 0;  // errno of the first failure
    bool reported_ = false;
};

using Deadline = std::optional<std::chrono::steady_clock::time_point>;

// Reads the body with WinHttpQueryDataAvailable + WinHttpReadData into a 64 KiB buffer and
// writes it to `out`, drawing a progress bar when `progress` is allowed. Returns 0 or an
// exit code after reporting (kExitTimeout once `deadline` passes). `received` counts the bytes.
int read_body(HINTERNET request, Output& out, bool progress, Deadline deadline,
              std::uint64_t& received);

}  // namespace whttp
