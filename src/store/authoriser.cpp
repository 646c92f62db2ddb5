#include "osier/store/authoriser.hpp"

#include "osier/base/codec.hpp"
#include "osier/meadowcap/encoding_capability.hpp"

namespace osier::store {
namespace {

class AcceptAll final : public WriteAuthoriser {
 public:
  Status verify(const model::Entry&, ByteView) const override { return Status::ok(); }
};

class Meadowcap final : public WriteAuthoriser {
 public:
  Status verify(const model::Entry& entry, ByteView token) const override {
    auto decoded = decode_token_bytes(token);
    if (!decoded) return decoded.status();
    return meadowcap::meadowcap_check_authorised_write(entry, *decoded);
  }
};

}  // namespace

Result<Bytes> encode_token_bytes(const meadowcap::MeadowcapAuthorisationToken& token) {
  Encoder enc;
  OSIER_RETURN_IF_ERROR(meadowcap::encode_mc_capability(enc, token.capability));
  enc.bytes(token.signature);
  return enc.take();
}

Result<meadowcap::MeadowcapAuthorisationToken> decode_token_bytes(ByteView bytes) {
  Decoder dec(bytes);
  auto cap = meadowcap::decode_mc_capability(dec, DecodeMode::kCanonic);
  if (!cap) return cap.status();
  auto sig = dec.array<64>();
  if (!sig) return sig.status();
  if (!dec.at_end()) return invalid_encoding("bytes after the authorisation token");
  return meadowcap::MeadowcapAuthorisationToken{*cap, *sig};
}

std::shared_ptr<const WriteAuthoriser> meadowcap_authoriser() {
  static const auto a = std::make_shared<const Meadowcap>();
  return a;
}

std::shared_ptr<const WriteAuthoriser> accept_all_authoriser() {
  static const auto a = std::make_shared<const AcceptAll>();
  return a;
}

}  // namespace osier::store
