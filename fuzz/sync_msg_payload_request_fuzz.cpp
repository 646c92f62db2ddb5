// Confidential Sync message decoders with random decoder state: :LogicalChannel::kPayloadRequest, sync::LogicalChannel::kData:PayloadRequestBindRequest and the Data channel's PayloadRequestSendResponse.
// See sync_messages_fuzz.hpp for the properties checked.
#include "sync_messages_fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  osier::fuzz::run_message_fuzz(osier::ByteView(data, size), {sync});
  return 0;
}
