// Confidential Sync message decoders with random decoder state: the Data channel and the global
// messages (DataSetEagerness, ResourceHandleFree). See sync_messages_fuzz.hpp for the properties
// checked.
#include "sync_messages_fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using osier::sync::LogicalChannel;
  osier::fuzz::run_message_fuzz(osier::ByteView(data, size), {LogicalChannel::kData, std::nullopt});
  return 0;
}
