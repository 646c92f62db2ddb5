// Errors are values: Status says whether something worked and, if not, why;
// Result<T> carries either a T or the Status of the failure. No exceptions in the library.
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace osier {

enum class ErrorCode {
  kOk = 0,
  kInvalidArgument,  // the caller passed something the operation cannot accept
  kInvalidEncoding,  // bytes do not form a valid code of the relation
  kNonCanonic,       // a valid code, but not the canonic one (canonic decoding mode)
  kIncomplete,       // input ended before a value was complete
  kOutOfRange,       // a value exceeds a limit (path length, allocation cap, ...)
  kVerification,     // a signature, digest or proof did not check out
  kNotFound,
  kIo,
  kCorrupt,  // stored data violates the format
  kInternal,
  kResourceExhausted,  // out of space: disk full, quota, file size limit, the store's map full
};

const char* error_code_name(ErrorCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(ErrorCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status ok() { return {}; }

  bool is_ok() const { return code_ == ErrorCode::kOk; }
  explicit operator bool() const { return is_ok(); }
  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "<code name>: <message>", for logs and CLI output.
  std::string to_string() const;

 private:
  ErrorCode code_ = ErrorCode::kOk;
  std::string message_;
};

inline Status error(ErrorCode code, std::string message) { return {code, std::move(message)}; }

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}        // NOLINT(google-explicit-constructor)
  Result(Status status) : v_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    assert(!std::get<Status>(v_).is_ok());
  }

  bool is_ok() const { return std::holds_alternative<T>(v_); }
  explicit operator bool() const { return is_ok(); }

  // REQUIRES: is_ok()
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  // REQUIRES: !is_ok()
  const Status& status() const { return std::get<Status>(v_); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace osier

// Propagate a failed Status from an expression returning Status.
#define OSIER_RETURN_IF_ERROR(expr)           \
  do {                                        \
    ::osier::Status _osier_st = (expr);       \
    if (!_osier_st.is_ok()) return _osier_st; \
  } while (0)

#define OSIER_CONCAT_INNER(a, b) a##b
#define OSIER_CONCAT(a, b) OSIER_CONCAT_INNER(a, b)
// `OSIER_ASSIGN_OR_RETURN(auto x, f());` binds x to f()'s value or returns its Status.
// NOLINTBEGIN(bugprone-macro-parentheses): lhs is a declaration and tmp a name, not expressions.
#define OSIER_ASSIGN_OR_RETURN(lhs, expr) \
  OSIER_ASSIGN_OR_RETURN_IMPL(OSIER_CONCAT(_osier_r, __LINE__), lhs, expr)
#define OSIER_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                \
  if (!tmp.is_ok()) return tmp.status();            \
  lhs = std::move(tmp).value()
// NOLINTEND(bugprone-macro-parentheses)
