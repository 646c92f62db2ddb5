#include "store/path_key.hpp"

#include <vector>

namespace osier::store {

void append_path_key(Bytes& out, const model::Path& path) {
  for (std::size_t i = 0; i < path.component_count(); ++i) {
    for (std::uint8_t b : path.component(i)) {
      out.push_back(b);
      if (b == 0) out.push_back(0xff);
    }
    out.push_back(0x00);
    out.push_back(0x01);
  }
}

Bytes path_key(const model::Path& path) {
  Bytes out;
  append_path_key(out, path);
  return out;
}

Result<model::Path> decode_path_key(ByteView key) {
  std::vector<Bytes> comps;
  Bytes cur;
  for (std::size_t i = 0; i < key.size(); ++i) {
    if (key[i] != 0) {
      cur.push_back(key[i]);
      continue;
    }
    if (i + 1 == key.size()) return error(ErrorCode::kCorrupt, "path key ends inside an escape");
    const std::uint8_t next = key[++i];
    if (next == 0xff) {
      cur.push_back(0);
    } else if (next == 0x01) {
      comps.push_back(std::move(cur));
      cur.clear();
    } else {
      return error(ErrorCode::kCorrupt, "path key with an invalid escape");
    }
  }
  if (!cur.empty()) return error(ErrorCode::kCorrupt, "path key ends inside a component");
  std::vector<ByteView> views(comps.begin(), comps.end());
  auto p = model::Path::from_components(views);
  if (!p) return error(ErrorCode::kCorrupt, "path key of an invalid path: " + p.status().message());
  return std::move(*p);
}

}  // namespace osier::store
