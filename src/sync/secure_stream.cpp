#include "sync/secure_stream.hpp"

#include <utility>

namespace osier::sync {

Result<SecureStream> SecureStream::create(HandshakeRole role,
                                          const crypto::Ed25519SecretKey& static_key,
                                          ByteView prologue) {
  Result<Handshake> hs = role == HandshakeRole::kInitiator
                             ? Handshake::initiator(static_key, prologue)
                             : Handshake::responder(static_key, prologue);
  if (!hs) return hs.status();
  SecureStream s(std::move(*hs));
  s.output_ = s.handshake_.take_output();
  return s;
}

Status SecureStream::fail(Status st) {
  failed_ = true;
  return st;
}

Status SecureStream::receive(ByteView in, const TransportReader::Deliver& deliver) {
  if (failed_) return error(ErrorCode::kInvalidEncoding, "secure stream failed earlier");
  if (!handshake_.done()) {
    Result<std::size_t> used = handshake_.receive(in);
    if (!used) return fail(used.status());
    Bytes out = handshake_.take_output();
    output_.insert(output_.end(), out.begin(), out.end());
    if (!handshake_.done()) return Status::ok();
    // spec: transport_encryption: each direction its own key, nonces from 0 (SPEC-NOTES item 5)
    writer_.emplace(handshake_.result().sending_key());
    reader_.emplace(handshake_.result().receiving_key());
    in = in.subspan(*used);
  }
  if (in.empty()) return Status::ok();
  Status st = reader_->feed(in, deliver);
  return st ? st : fail(std::move(st));
}

Status SecureStream::finish() {
  if (failed_) return error(ErrorCode::kInvalidEncoding, "secure stream failed earlier");
  if (!handshake_.done()) return fail(handshake_.finish());
  Status st = reader_->finish();
  return st ? st : fail(std::move(st));
}

Status SecureStream::send(ByteView plaintext) {
  if (failed_) return error(ErrorCode::kInvalidEncoding, "secure stream failed earlier");
  if (!writer_) return error(ErrorCode::kInvalidArgument, "send before the handshake completed");
  Status st = writer_->write(plaintext, output_);
  return st ? st : fail(std::move(st));
}

Status SecureStream::send_end() {
  if (failed_) return error(ErrorCode::kInvalidEncoding, "secure stream failed earlier");
  if (!writer_) return error(ErrorCode::kInvalidArgument, "end before the handshake completed");
  Status st = writer_->write_end(output_);
  return st ? st : fail(std::move(st));
}

Bytes SecureStream::take_output() { return std::exchange(output_, Bytes{}); }

void SecureStream::take_output(Bytes& out) {
  if (out.empty()) {
    std::swap(out, output_);
  } else {
    out.insert(out.end(), output_.begin(), output_.end());
  }
  output_.clear();
}

}  // namespace osier::sync
