#include "download.h"

#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <vector>

#include "errors.h"
#include "headers.h"
#include "progress.h"

namespace whttp {

bool Output::open() {
    if (file_) return true;
    file_ = is_stdout() ? stdout : std::fopen(path_.c_str(), "wb");
    return file_ != nullptr || fail();
}

bool Output::fail() {
    if (error_ == 0) error_ = errno != 0 ? errno : EIO;
    return false;
}

bool Output::write(const void* data, size_t size) {
    if (error_ != 0 || !open()) return false;
    if (std::fwrite(data, 1, size, file_) != size) return fail();
    return true;
}

int Output::close() {
    if (file_) {
        const bool ok = file_ == stdout ? std::fflush(file_) == 0 : std::fclose(file_) == 0;
        file_ = nullptr;
        if (!ok) fail();
    }
    if (error_ == 0) return kExitOk;
    if (!reported_) {
        message("cannot write to %s: %s", is_stdout() ? "stdout" : path_.c_str(),
                std::strerror(error_));
    }
    reported_ = true;
    return kExitWrite;
}

bool Output::is_terminal() const {
    return is_stdout() && isatty(STDOUT_FILENO);
}

namespace {

constexpr DWORD kBufferSize = 64 * 1024;

bool passed(const Deadline& deadline) {
    return deadline && std::chrono::steady_clock::now() >= *deadline;
}

}  // namespace

int read_body(HINTERNET request, Output& out, bool progress, Deadline deadline,
              std::uint64_t& received) {
    Progress bar(progress, query_content_length(request));
    std::vector<char> buffer(kBufferSize);
    received = 0;
    for (;;) {
        DWORD available = 0;
        if (!WinHttpQueryDataAvailable(request, &available)) {
            bar.finish();
            return report_failure("WinHttpQueryDataAvailable");
        }
        if (available == 0) break;
        DWORD read = 0;
        if (!WinHttpReadData(request, buffer.data(),
                             available < kBufferSize ? available : kBufferSize, &read)) {
            bar.finish();
            return report_failure("WinHttpReadData");
        }
        if (read == 0) break;
        if (!out.write(buffer.data(), read)) {
            bar.finish();
            return out.close();
        }
        received += read;
        bar.update(received);
        if (passed(deadline)) {
            bar.finish();
            message("operation timed out after %llu bytes (-m/--max-time)",
                    static_cast<unsigned long long>(received));
            return kExitTimeout;
        }
    }
    return kExitOk;
}

}  // namespace whttp
