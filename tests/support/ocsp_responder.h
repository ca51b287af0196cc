// OpenSSL's own OCSP responder (`openssl ocsp -port`) as a real server for the revocation
// tests, run as a child process with the index and delegated signer of a RevocationPki.
//
//     OcspResponder responder(pki, dir);        // throws std::runtime_error on failure
//     "http://127.0.0.1:" + std::to_string(responder.port())   // the AIA URL to issue
//     responder.requests()                      // OCSP requests it has read so far
//
// It answers GET (RFC 6960 A.1) and POST at the root path, one connection at a time, with
// nextUpdate an hour ahead (-nmin 60), so that answers can be cached. Its output is unbuffered
// (stdbuf) and it prints each request as it reads it, before answering: a client that got its
// answer finds the request counted.
#pragma once

#include "support/tls_certs.h"

#include <sys/types.h>

#include <cstddef>
#include <string>

namespace winhttp::test {

class OcspResponder {
  public:
    // `dir` (which must exist) receives the log.
    OcspResponder(const RevocationPki& pki, const std::string& dir);
    ~OcspResponder();
    OcspResponder(const OcspResponder&) = delete;
    OcspResponder& operator=(const OcspResponder&) = delete;

    unsigned short port() const { return port_; }
    size_t requests() const;
    std::string log() const;

  private:
    bool start_on(unsigned short port, const RevocationPki& pki);

    std::string log_path_;
    unsigned short port_ = 0;
    pid_t pid_ = -1;
};

}  // namespace winhttp::test
