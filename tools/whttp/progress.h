// progress.h - a one-line download progress bar on stderr.
//
// Shown only when enabled (stderr is a terminal, no -s) and the body is larger than
// 1 MiB: from the start when Content-Length says so, otherwise once 1 MiB has arrived.
// Redrawn with '\r' at most 10 times per second; finish() erases it.
#pragma once

#include <chrono>
#include <cstdint>

namespace whttp {

class Progress {
  public:
    // `total` is the expected body size in bytes, 0 when unknown.
    Progress(bool enabled, std::uint64_t total);
    ~Progress() { finish(); }
    Progress(const Progress&) = delete;
    Progress& operator=(const Progress&) = delete;

    // Reports that `received` bytes of the body have arrived so far.
    void update(std::uint64_t received);

    // Erases the bar if it was drawn. Safe to call more than once.
    void finish();

  private:
    using Clock = std::chrono::steady_clock;

    void draw(std::uint64_t received, Clock::time_point now);

    bool enabled_;
    std::uint64_t total_;
    Clock::time_point start_;
    Clock::time_point last_draw_{};
    int drawn_width_ = 0;  // characters on the line, 0 when nothing is drawn
};

}  // namespace whttp
