#include "upload.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <vector>

#include "errors.h"

namespace whttp {
namespace {

constexpr size_t kChunk = 64 * 1024;

struct FileCloser {
    void operator()(FILE* f) const {
        if (f && f != stdin) std::fclose(f);
    }
};
using File = std::unique_ptr<FILE, FileCloser>;

File open_input(const std::string& path) {
    return File(path == "-" ? stdin : std::fopen(path.c_str(), "rb"));
}

// Reads all of `path` ("-": stdin) into `out`; prints why and returns false on failure.
bool read_all(const std::string& path, std::string& out) {
    File f = open_input(path);
    if (!f) {
        message("cannot open %s: %s", path.c_str(), std::strerror(errno));
        return false;
    }
    char buf[kChunk];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f.get())) > 0) out.append(buf, n);
    if (std::ferror(f.get())) {
        message("cannot read %s: %s", path.c_str(), std::strerror(errno));
        return false;
    }
    return true;
}

void strip_newlines(std::string& s) {
    std::erase_if(s, [](char c) { return c == '\r' || c == '\n'; });
}

// One -d/--data-binary value, with "@file" replaced by the file's content.
bool expand(const DataArg& arg, std::string& out) {
    if (arg.value.empty() || arg.value[0] != '@') {
        out = arg.value;
        return true;
    }
    if (!read_all(arg.value.substr(1), out)) return false;
    if (!arg.binary) strip_newlines(out);
    return true;
}

bool is_single_file(const Options& opt) {
    return opt.data.size() == 1 && opt.data[0].binary && opt.data[0].value.size() > 1 &&
           opt.data[0].value[0] == '@' && opt.data[0].value != "@-";
}

// WinHttpWriteData in chunks of at most 64 KiB until all `n` bytes are written.
int write_all(HINTERNET request, const char* data, size_t n) {
    while (n > 0) {
        const DWORD want = static_cast<DWORD>(n < kChunk ? n : kChunk);
        DWORD written = 0;
        if (!WinHttpWriteData(request, data, want, &written)) {
            return report_failure("WinHttpWriteData");
        }
        if (written == 0 || written > want) {
            message("WinHttpWriteData wrote %u of %u bytes", written, want);
            return kExitGeneric;
        }
        data += written;
        n -= written;
    }
    return kExitOk;
}

// Content-Length for bodies too large for WinHttpSendRequest's DWORD dwTotalLength.
std::wstring large_length_header(std::uint64_t size) {
    return L"Content-Length: " + std::to_wstring(size);
}

}  // namespace

int RequestBody::load(const Options& opt) {
    if (!opt.upload_file.empty()) return load_upload(opt.upload_file);
    if (opt.data.empty()) return kExitOk;
    if (is_single_file(opt)) return load_upload(opt.data[0].value.substr(1));
    return load_data(opt);
}

int RequestBody::load_data(const Options& opt) {
    for (const DataArg& arg : opt.data) {
        std::string piece;
        if (!expand(arg, piece)) return kExitRead;
        if (kind_ == Kind::memory) memory_ += '&';
        memory_ += piece;
        kind_ = Kind::memory;
    }
    size_ = memory_.size();
    return kExitOk;
}

int RequestBody::load_upload(const std::string& path) {
    if (path == "-") {
        if (!read_all(path, memory_)) return kExitRead;
        kind_ = Kind::memory;
        size_ = memory_.size();
        return kExitOk;
    }
    struct stat st {};
    errno = 0;
    if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
        message("cannot upload %s: %s", path.c_str(),
                errno != 0 ? std::strerror(errno) : "not a regular file");
        return kExitRead;
    }
    kind_ = Kind::file;
    path_ = path;
    size_ = static_cast<std::uint64_t>(st.st_size);
    return kExitOk;
}

int RequestBody::send(HINTERNET request) const {
    const bool large = size_ > 0xFFFFFFFFull;
    const bool inline_body = kind_ == Kind::memory && !large;
    const std::wstring extra = large ? large_length_header(size_) : std::wstring();
    const DWORD total = large ? WINHTTP_IGNORE_REQUEST_TOTAL_LENGTH : static_cast<DWORD>(size_);
    LPVOID optional = inline_body ? const_cast<char*>(memory_.data()) : WINHTTP_NO_REQUEST_DATA;
    if (!WinHttpSendRequest(request, large ? extra.c_str() : WINHTTP_NO_ADDITIONAL_HEADERS,
                            large ? static_cast<DWORD>(-1) : 0, optional, inline_body ? total : 0,
                            total, 0)) {
        return report_failure("WinHttpSendRequest");
    }
    if (kind_ == Kind::file) return stream_file(request);
    if (kind_ == Kind::memory && large) return write_all(request, memory_.data(), memory_.size());
    return kExitOk;
}

int RequestBody::stream_file(HINTERNET request) const {
    File f = open_input(path_);
    if (!f) {
        message("cannot open %s: %s", path_.c_str(), std::strerror(errno));
        return kExitRead;
    }
    std::vector<char> buf(kChunk);
    for (std::uint64_t left = size_; left > 0;) {
        const size_t want = left < kChunk ? static_cast<size_t>(left) : kChunk;
        const size_t got = std::fread(buf.data(), 1, want, f.get());
        if (got == 0) {
            message("cannot read %s: %s", path_.c_str(),
                    std::ferror(f.get()) ? std::strerror(errno) : "file shrank while sending");
            return kExitRead;
        }
        if (int rc = write_all(request, buf.data(), got); rc != kExitOk) return rc;
        left -= got;
    }
    return kExitOk;
}

}  // namespace whttp
