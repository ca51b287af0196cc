// Digest (RFC 7616; RFC 2617's qop-less form too): MD5, MD5-sess, SHA-256, SHA-256-sess,
// qop=auth, nonce counts per nonce, cnonce from the CSPRNG, opaque echoed, userhash.
#pragma once

#include "auth/mechanism.h"

namespace auth {

class DigestMechanism final : public Mechanism {
  public:
    // `fixed_cnonce` is for the published test vectors only; empty = RAND_bytes.
    explicit DigestMechanism(Credentials creds, std::string fixed_cnonce = {})
        : creds_(std::move(creds)), fixed_cnonce_(std::move(fixed_cnonce)) {}
    ~DigestMechanism() override { creds_.wipe(); }
    // Each call answers `challenge` for one request: the nonce count goes up by one per call
    // with the same nonce and starts again at 1 with a new nonce.
    uint32_t next(const Challenge& challenge, const RequestFacts& facts,
                  std::string& header_value) override;
    bool connection_based() const override { return false; }

  private:
    Credentials creds_;
    std::string fixed_cnonce_;
    std::string nonce_;
    uint32_t nc_ = 0;
};

}  // namespace auth
