// The logical channels and resource handle types of Confidential Sync, and which channel binds
// which handle type. spec: confidential_sync#sync_channel_defs, confidential_sync#sync_handle_defs
#pragma once

#include <cstddef>
#include <cstdint>

namespace osier::sync {

// spec: confidential_sync#sync_channel_defs — the values are the SendChannelFrameChannel ids.
enum class LogicalChannel : std::uint8_t {
  kReconciliation = 0,  // ReconciliationSendFingerprint
  kData = 1,            // the entry and payload messages
  kOverlap = 2,         // PioBindHash (binds OverlapHandles)
  kCapability = 3,      // PioBindReadCapability (binds ReadCapabilityHandles)
  kPayloadRequest = 4,  // PayloadRequestBindRequest (binds PayloadRequestHandles)
};
inline constexpr std::size_t kLogicalChannelCount = 5;

// spec: confidential_sync#sync_handle_defs — the values are ResourceHandleFree's two type bits
// (SPEC-NOTES Sync 10: 00, 01, 10; 11 is an error).
enum class HandleType : std::uint8_t {
  kOverlap = 0,
  kReadCapability = 1,
  kPayloadRequest = 2,
};
inline constexpr std::size_t kHandleTypeCount = 3;

const char* handle_type_name(HandleType type);

// The channel whose SendChannelFrames carry the messages that bind handles of `type`.
constexpr LogicalChannel binding_channel(HandleType type) {
  switch (type) {
    case HandleType::kOverlap:
      return LogicalChannel::kOverlap;
    case HandleType::kReadCapability:
      return LogicalChannel::kCapability;
    case HandleType::kPayloadRequest:
      break;
  }
  return LogicalChannel::kPayloadRequest;
}

}  // namespace osier::sync
