#include "osier/base/status.hpp"

namespace osier {

const char* error_code_name(ErrorCode code) {
  switch (code) {
    case ErrorCode::kOk:
      return "ok";
    case ErrorCode::kInvalidArgument:
      return "invalid argument";
    case ErrorCode::kInvalidEncoding:
      return "invalid encoding";
    case ErrorCode::kNonCanonic:
      return "non-canonic encoding";
    case ErrorCode::kIncomplete:
      return "incomplete input";
    case ErrorCode::kOutOfRange:
      return "out of range";
    case ErrorCode::kVerification:
      return "verification failed";
    case ErrorCode::kNotFound:
      return "not found";
    case ErrorCode::kIo:
      return "i/o error";
    case ErrorCode::kCorrupt:
      return "corrupt data";
    case ErrorCode::kInternal:
      return "internal error";
    case ErrorCode::kResourceExhausted:
      return "resource exhausted";
  }
  return "unknown error";
}

std::string Status::to_string() const {
  if (is_ok()) return "ok";
  return std::string(error_code_name(code_)) + ": " + message_;
}

}  // namespace osier
