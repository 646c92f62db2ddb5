// How the conformance suite opens each Store implementation.
#pragma once

#include <gtest/gtest.h>

#include <memory>

#include "store/authoriser.hpp"
#include "store/memory_store.hpp"
#include "store/store.hpp"

namespace osier::store::testing {

// Accepts every token except those starting with 0xff.
class TestAuthoriser final : public WriteAuthoriser {
 public:
  Status verify(const model::Entry&, ByteView token) const override {
    if (!token.empty() && token[0] == 0xff) {
      return error(ErrorCode::kVerification, "test authoriser refuses this token");
    }
    return Status::ok();
  }
};

inline std::shared_ptr<const WriteAuthoriser> test_authoriser() {
  static const auto a = std::make_shared<const TestAuthoriser>();
  return a;
}

struct MemoryFactory {
  static constexpr bool kDurable = false;
  std::unique_ptr<Store> open() { return std::make_unique<MemoryStore>(test_authoriser()); }
  void wipe() {}
};

using StoreFactories = ::testing::Types<MemoryFactory>;

}  // namespace osier::store::testing
