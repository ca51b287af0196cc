// Basic (RFC 7617): "Basic base64(user ':' password)", the credentials in UTF-8.
#pragma once

#include "auth/base64.h"
#include "auth/mechanism.h"

namespace auth {

class BasicMechanism final : public Mechanism {
  public:
    explicit BasicMechanism(Credentials creds) : creds_(std::move(creds)) {}
    ~BasicMechanism() override { creds_.wipe(); }
    uint32_t next(const Challenge& challenge, const RequestFacts& facts,
                  std::string& header_value) override;
    bool connection_based() const override { return false; }

  private:
    Credentials creds_;
};


}  // namespace auth
