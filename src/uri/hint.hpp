// Resolution hints: the URIs an Entry or Area URI lists for where to obtain its data.
#pragma once

#include <string_view>

namespace osier::uri {

// Empty when `text` is an absolute URI by RFC 3986's character rules (a scheme, ':', then only
// URI characters with well-formed percent_encodings); otherwise what is wrong with it. The
// structure after the scheme is not checked: hints are only passed on, never dereferenced here.
// spec: uris#EntryURIHints
std::string_view hint_problem(std::string_view text);

}  // namespace osier::uri
