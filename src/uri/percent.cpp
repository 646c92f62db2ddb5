#include "osier/uri/percent.hpp"

#include <cstring>

namespace osier::uri {
namespace {

constexpr char kUpperHex[] = "0123456789ABCDEF";

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void append_escape(std::uint8_t b, std::string& out) {
  out.push_back('%');
  out.push_back(kUpperHex[b >> 4]);
  out.push_back(kUpperHex[b & 0xf]);
}

}  // namespace

bool is_unreserved(std::uint8_t b) {
  return (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9') || b == '-' ||
         b == '.' || b == '_' || b == '~';
}

bool is_subdelimiter(std::uint8_t b) { return b != 0 && std::strchr("!$&'()*+,;=", b) != nullptr; }

bool is_query_extra(std::uint8_t b) { return b == '/' || b == '?' || b == ':' || b == '@'; }

bool is_hex_digit(char c) { return hex_value(c) >= 0; }

std::optional<Bytes> percent_decode(std::string_view text, BadPercent* bad) {
  Bytes out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out.push_back(static_cast<std::uint8_t>(text[i]));
      continue;
    }
    const int hi = i + 1 < text.size() ? hex_value(text[i + 1]) : -1;
    const int lo = i + 2 < text.size() ? hex_value(text[i + 2]) : -1;
    if (hi < 0 || lo < 0) {
      if (bad != nullptr) bad->offset = i;
      return std::nullopt;
    }
    out.push_back(static_cast<std::uint8_t>(hi << 4 | lo));
    i += 2;
  }
  return out;
}

void percent_encode(ByteView bytes, std::string& out) {
  for (std::uint8_t b : bytes) {
    if (is_unreserved(b)) {
      out.push_back(static_cast<char>(b));
    } else {
      append_escape(b, out);
    }
  }
}

void fragment_encode(ByteView bytes, std::string& out) {
  for (std::uint8_t b : bytes) {
    if (is_unreserved(b) || is_subdelimiter(b) || is_query_extra(b)) {
      out.push_back(static_cast<char>(b));
    } else {
      append_escape(b, out);
    }
  }
}

std::string describe_byte(std::uint8_t b) {
  if (b > 0x20 && b < 0x7f) return std::string("'") + static_cast<char>(b) + "'";
  std::string s = "byte 0x";
  s.push_back(kUpperHex[b >> 4]);
  s.push_back(kUpperHex[b & 0xf]);
  return s;
}

}  // namespace osier::uri
