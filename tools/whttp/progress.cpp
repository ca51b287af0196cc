#include "progress.h"

#include <cstdio>
#include <string>

namespace whttp {
namespace {

constexpr std::uint64_t kThreshold = 1024 * 1024;  // bars only for bodies above 1 MiB
constexpr auto kRedrawInterval = std::chrono::milliseconds(100);
constexpr int kBarWidth = 30;

// "12.3 MiB" style size with binary units.
std::string human_size(double bytes) {
    static const char* const kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    int unit = 0;
    while (bytes >= 1024 && unit < 4) {
        bytes /= 1024;
        ++unit;
    }
    char buf[32];
    std::snprintf(buf, sizeof buf, unit == 0 ? "%.0f %s" : "%.1f %s", bytes, kUnits[unit]);
    return buf;
}

std::string bar(double fraction) {
    const int filled = static_cast<int>(fraction * kBarWidth);
    return "[" + std::string(static_cast<size_t>(filled), '#') +
           std::string(static_cast<size_t>(kBarWidth - filled), ' ') + "]";
}

}  // namespace

Progress::Progress(bool enabled, std::uint64_t total)
    : enabled_(enabled && (total == 0 || total > kThreshold)),
      total_(total),
      start_(Clock::now()) {}

void Progress::update(std::uint64_t received) {
    if (!enabled_ || (total_ == 0 && received <= kThreshold)) return;
    const auto now = Clock::now();
    if (drawn_width_ > 0 && now - last_draw_ < kRedrawInterval) return;
    draw(received, now);
}

void Progress::draw(std::uint64_t received, Clock::time_point now) {
    const double seconds = std::chrono::duration<double>(now - start_).count();
    const double rate = seconds > 0 ? static_cast<double>(received) / seconds : 0;
    std::string line;
    if (total_ > 0 && received <= total_) {
        const double fraction = static_cast<double>(received) / static_cast<double>(total_);
        char percent[16];
        std::snprintf(percent, sizeof percent, " %5.1f%%  ", fraction * 100);
        line = bar(fraction) + percent + human_size(static_cast<double>(received)) + " / " +
               human_size(static_cast<double>(total_));
    } else {
        line = human_size(static_cast<double>(received));
    }
    line += "  " + human_size(rate) + "/s";
    const int width = static_cast<int>(line.size());
    // Pad with spaces so a shorter line fully covers the previous one.
    std::fprintf(stderr, "\r%s%*s", line.c_str(), drawn_width_ > width ? drawn_width_ - width : 0,
                 "");
    std::fflush(stderr);
    drawn_width_ = width > drawn_width_ ? width : drawn_width_;
    last_draw_ = now;
}

void Progress::finish() {
    if (drawn_width_ == 0) return;
    std::fprintf(stderr, "\r%*s\r", drawn_width_, "");
    std::fflush(stderr);
    drawn_width_ = 0;
}

}  // namespace whttp
