// The order key of a path: a byte string whose bytewise order is the order of paths
// (spec: data_model#path_order — components compared lexicographically, a prefix first), so an
// index compares keys with memcmp instead of decoding paths (docs/formats.md "The tree").
//
// Each component's bytes, with 0x00 written as 0x00 0xff, followed by 0x00 0x01. The encoding
// is a bijection onto its image; the decoder accepts exactly the canonic codes.
#pragma once

#include "osier/base/bytes.hpp"
#include "osier/base/status.hpp"
#include "osier/model/path.hpp"

namespace osier::store {

void append_path_key(Bytes& out, const model::Path& path);
Bytes path_key(const model::Path& path);
// kCorrupt unless `key` is exactly the order key of a valid path.
Result<model::Path> decode_path_key(ByteView key);

}  // namespace osier::store
