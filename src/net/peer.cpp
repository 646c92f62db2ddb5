#include "net/peer.hpp"

#include <fmt/core.h>

#include "osier/base/hex.hpp"

namespace osier::net {

const char* ending_name(Ending e) {
  switch (e) {
    case Ending::kClean:
      return "closed cleanly";
    case Ending::kError:
      return "dropped";
    case Ending::kHandshakeTimeout:
      return "dropped";
    case Ending::kIdleTimeout:
      return "closed: idle timeout";
    case Ending::kRefused:
      return "refused";
    case Ending::kStopped:
      return "closed: stopping";
  }
  return "?";
}

std::string ConnectionReport::line() const {
  std::string s = "peer " + remote + " key " + (peer ? to_hex(*peer) : std::string("-")) + ": " +
                  ending_name(ending);
  if (!reason.empty()) s += ": " + reason;
  s += fmt::format(" (in {} B, out {} B, {:.2f} s)", bytes_in, bytes_out,
                   static_cast<double>(duration.count()) / 1000.0);
  return s;
}

Status PeerApp::on_established(const sync::HandshakeResult& /*handshake*/,
                               sync::LcmuxSession& /*mux*/) {
  return Status::ok();
}

Status PeerApp::on_global(ByteView /*message*/) { return Status::ok(); }

Status PeerApp::on_progress(sync::LcmuxSession& /*mux*/) { return Status::ok(); }

Status HandshakeOnlyApp::on_established(const sync::HandshakeResult& /*handshake*/,
                                        sync::LcmuxSession& /*mux*/) {
  established_ = true;
  return Status::ok();
}

Status DiscardingApp::on_global(ByteView /*message*/) {
  ++global_messages_;
  return Status::ok();
}

Status DiscardingApp::on_progress(sync::LcmuxSession& mux) {
  for (std::uint64_t c = 0; c < mux.channel_count(); ++c) {
    while (const std::size_t n = mux.readable(c)) {
      channel_bytes_ += mux.read(c, n).size();
    }
  }
  return Status::ok();
}

}  // namespace osier::net
