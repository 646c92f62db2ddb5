#include "store/authoriser.hpp"

namespace osier::store {
namespace {

class AcceptAll final : public WriteAuthoriser {
 public:
  Status verify(const model::Entry&, ByteView) const override { return Status::ok(); }
};

class Meadowcap final : public WriteAuthoriser {
 public:
  Status verify(const model::Entry&, ByteView) const override {
    return error(ErrorCode::kInternal, "meadowcap write verification is not available yet");
  }
};

}  // namespace

std::shared_ptr<const WriteAuthoriser> meadowcap_authoriser() {
  static const auto a = std::make_shared<const Meadowcap>();
  return a;
}

std::shared_ptr<const WriteAuthoriser> accept_all_authoriser() {
  static const auto a = std::make_shared<const AcceptAll>();
  return a;
}

}  // namespace osier::store
