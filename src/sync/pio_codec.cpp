// The private interest overlap messages. spec: confidential_sync#sync_encode_pio
#include "base/compact_u64.hpp"
#include "osier/meadowcap/encoding_private_capability.hpp"
#include "sync/codec_util.hpp"
#include "sync/message_codec.hpp"
#include "sync/private_interest.hpp"

namespace osier::sync {

using codec_detail::C64Field;
using codec_detail::choose_bits;
using codec_detail::commit_scratch;
using codec_detail::invalid_message;
using codec_detail::put_corresponding;
using codec_detail::put_tag;
using codec_detail::read_c64;

// spec: confidential_sync#sync_msg_enc_PioBindHash
// [actually_interested, 7 arbitrary bits] hash
Status encode_pio_bind_hash(Encoder& enc, const PioBindHash& msg, CodeChooser* chooser) {
  BitByte header;
  header.set_bit(0, msg.actually_interested);
  header.set(1, 7, choose_bits(chooser, 7));
  enc.byte(header.value());
  enc.bytes(msg.hash);
  return Status::ok();
}

Result<PioBindHash> decode_pio_bind_hash(Decoder& dec) {
  OSIER_ASSIGN_OR_RETURN(const std::uint8_t b, dec.byte());
  PioBindHash msg;
  msg.actually_interested = BitByte(b).bit(0);
  OSIER_ASSIGN_OR_RETURN(msg.hash, dec.array<kInterestHashLength>());
  return msg;
}

// spec: confidential_sync#sync_msg_enc_PioAnnounceOverlap
// [0 0, has_enumeration_capability, sender_handle tag (2), receiver_handle tag (3)]
// sender_handle, receiver_handle, authentication, [enumeration capability relative to the pair]
Status encode_pio_announce_overlap(Encoder& enc, const PioAnnounceOverlap& msg,
                                   CodecContext& context, CodeChooser* chooser) {
  BitByte header;
  header.set(0, 2, 0b00);
  header.set_bit(2, msg.enumeration_capability.has_value());
  C64Field sender{msg.sender_handle, 2};
  C64Field receiver{msg.receiver_handle, 3};
  OSIER_RETURN_IF_ERROR(put_tag(chooser, header, 3, sender));
  OSIER_RETURN_IF_ERROR(put_tag(chooser, header, 5, receiver));
  Encoder out;
  out.byte(header.value());
  put_corresponding(out, sender);
  put_corresponding(out, receiver);
  out.bytes(msg.authentication);
  if (msg.enumeration_capability) {
    OSIER_ASSIGN_OR_RETURN(
        const meadowcap::EnumerationCapabilityContext rel,
        context.enumeration_capability_reference(msg.sender_handle, msg.receiver_handle));
    OSIER_RETURN_IF_ERROR(meadowcap::encode_mc_enumeration_capability_relative_private_interest(
        out, *msg.enumeration_capability, rel));
  }
  commit_scratch(enc, out);
  return Status::ok();
}

Result<PioAnnounceOverlap> decode_pio_announce_overlap(Decoder& dec, CodecContext& context) {
  OSIER_ASSIGN_OR_RETURN(const std::uint8_t b, dec.byte());
  const BitByte header(b);
  if (header.get(0, 2) != 0b00) return invalid_encoding("sync: not a PioAnnounceOverlap");
  PioAnnounceOverlap msg;
  OSIER_ASSIGN_OR_RETURN(msg.sender_handle, read_c64(dec, header, 3, 2));
  OSIER_ASSIGN_OR_RETURN(msg.receiver_handle, read_c64(dec, header, 5, 3));
  OSIER_ASSIGN_OR_RETURN(msg.authentication, dec.array<kInterestHashLength>());
  if (header.bit(2)) {
    OSIER_ASSIGN_OR_RETURN(
        const meadowcap::EnumerationCapabilityContext rel,
        context.enumeration_capability_reference(msg.sender_handle, msg.receiver_handle));
    OSIER_ASSIGN_OR_RETURN(
        msg.enumeration_capability,
        meadowcap::decode_mc_enumeration_capability_relative_private_interest(dec, rel));
  }
  return msg;
}

// spec: confidential_sync#sync_msg_enc_PioBindReadCapability
// [sender_handle, receiver_handle, max_count, max_size + 1 tags (2 bits each)]
// their corresponding bytes, max_payload_power (1 byte), capability relative to the PPI
Status encode_pio_bind_read_capability(Encoder& enc, const PioBindReadCapability& msg,
                                       CodecContext& context, CodeChooser* chooser) {
  BitByte header;
  C64Field fields[4] = {{msg.sender_handle, 2},
                        {msg.receiver_handle, 2},
                        {msg.max_count, 2},
                        {msg.max_size + 1, 2}};  // "max_size + 1 modulo 2^64"
  for (unsigned i = 0; i < 4; ++i)
    OSIER_RETURN_IF_ERROR(put_tag(chooser, header, 2 * i, fields[i]));
  Encoder out;
  out.byte(header.value());
  for (const C64Field& f : fields) put_corresponding(out, f);
  out.byte(msg.max_payload_power);
  OSIER_ASSIGN_OR_RETURN(const meadowcap::PersonalPrivateInterest rel,
                         context.read_capability_reference(msg.sender_handle, msg.receiver_handle));
  OSIER_RETURN_IF_ERROR(meadowcap::encode_mc_capability_relative_private_interest(
      out, msg.capability, rel, kPioGrantedPathRule));
  commit_scratch(enc, out);
  return Status::ok();
}

Result<PioBindReadCapability> decode_pio_bind_read_capability(Decoder& dec, CodecContext& context) {
  OSIER_ASSIGN_OR_RETURN(const std::uint8_t b, dec.byte());
  const BitByte header(b);
  std::uint64_t values[4];
  for (unsigned i = 0; i < 4; ++i) {
    OSIER_ASSIGN_OR_RETURN(values[i], read_c64(dec, header, 2 * i, 2));
  }
  OSIER_ASSIGN_OR_RETURN(const std::uint8_t power, dec.byte());
  OSIER_ASSIGN_OR_RETURN(const meadowcap::PersonalPrivateInterest rel,
                         context.read_capability_reference(values[0], values[1]));
  OSIER_ASSIGN_OR_RETURN(
      meadowcap::McCapability cap,
      meadowcap::decode_mc_capability_relative_private_interest(dec, rel, kPioGrantedPathRule));
  return PioBindReadCapability{values[0], values[1],     std::move(cap),
                               values[2], values[3] - 1,  // max_size + 1 modulo 2^64
                               power};
}

}  // namespace osier::sync
