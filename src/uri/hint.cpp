#include "uri/hint.hpp"

#include <cstdint>
#include <cstring>

#include "osier/uri/percent.hpp"

namespace osier::uri {
namespace {

bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
// RFC 3986 gen-delims.
bool is_gen_delim(char c) { return c != 0 && std::strchr(":/?#[]@", c) != nullptr; }

}  // namespace

std::string_view hint_problem(std::string_view text) {
  if (text.empty() || !is_alpha(text[0]))
    return "it must start with a scheme (a letter, as in 'wtp:')";
  std::size_t i = 1;
  while (i < text.size() && (is_alpha(text[i]) || is_digit(text[i]) || text[i] == '+' ||
                             text[i] == '-' || text[i] == '.')) {
    ++i;
  }
  if (i == text.size() || text[i] != ':') return "its scheme must be followed by ':'";
  for (++i; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '%') {
      if (i + 2 >= text.size() || !is_hex_digit(text[i + 1]) || !is_hex_digit(text[i + 2])) {
        return "it has a '%' not followed by two hex digits";
      }
      i += 2;
      continue;
    }
    const auto b = static_cast<std::uint8_t>(c);
    if (!is_unreserved(b) && !is_subdelimiter(b) && !is_gen_delim(c)) {
      return "it contains a character that a URI must percent-encode";
    }
  }
  return {};
}

}  // namespace osier::uri
