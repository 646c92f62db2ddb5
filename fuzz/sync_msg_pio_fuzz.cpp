// Confidential Sync message decoders with random decoder state: PioBindHash (Overlap channel),
// PioBindReadCapability (Capability channel) and PioAnnounceOverlap (global). See
// sync_messages_fuzz.hpp for the properties checked.
#include "sync_messages_fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using osier::sync::LogicalChannel;
  osier::fuzz::run_message_fuzz(
      osier::ByteView(data, size),
      {LogicalChannel::kOverlap, LogicalChannel::kCapability, std::nullopt});
  return 0;
}
