// The daemon's control requests (node/control_request.hpp): any line is a request or an error
// with one of the control API's codes and a message, never a crash; a request prints as a line
// that parses back to the same request and prints identically.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "node/control_request.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace osier;
  using namespace osier::node;
  const std::string_view line(reinterpret_cast<const char*>(data), size);
  const Result<ControlRequest> parsed = parse_control_request(line);
  if (!parsed) {
    const ErrorCode code = parsed.status().code();
    if (code != ErrorCode::kInvalidArgument && code != ErrorCode::kNotFound) std::abort();
    const std::string_view name = control_error_code(parsed.status());
    if (name != (code == ErrorCode::kNotFound ? "unknown_op" : "invalid_request")) std::abort();
    if (parsed.status().message().empty()) std::abort();
    return 0;
  }
  const std::string printed = control_request_line(*parsed);
  if (printed.find('\n') != std::string::npos) std::abort();
  const Result<ControlRequest> again = parse_control_request(printed);
  if (!again || !(*again == *parsed) || control_request_line(*again) != printed) std::abort();
  return 0;
}
