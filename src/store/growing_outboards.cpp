#include "store/growing_outboards.hpp"

#include <algorithm>

#include "store/payload_files.hpp"

namespace osier::store {

GrowingOutboards::List::iterator GrowingOutboards::find(const PayloadKey& key) {
  return std::find_if(growing_.begin(), growing_.end(),
                      [&](const std::unique_ptr<Growing>& g) { return g->key == key; });
}

void GrowingOutboards::drop(List::iterator it) {
  const std::string path = (*it)->file.path();
  growing_.erase(it);  // closes the file
  file_remove(path);
}

void GrowingOutboards::feed(const PayloadKey& key, std::uint64_t offset, ByteView bytes,
                            StagingArea& staging) {
  auto it = find(key);
  if (it != growing_.end() && (offset == 0 || (*it)->builder.length() != offset)) {
    drop(it);
    it = growing_.end();
  }
  if (it == growing_.end()) {
    if (offset != 0) return;
    auto file = File::create(staging.fresh_name("obao"));
    if (!file) return;
    if (growing_.size() >= kMax) drop(std::prev(growing_.end()));
    growing_.push_front(std::make_unique<Growing>(key, std::move(*file)));
    it = growing_.begin();
  } else if (it != growing_.begin()) {
    growing_.splice(growing_.begin(), growing_, it);
    it = growing_.begin();
  }
  if (!(*it)->builder.update(bytes)) drop(it);
}

std::optional<std::string> GrowingOutboards::finish(const PayloadKey& key, std::uint64_t length) {
  const auto it = find(key);
  if (it == growing_.end()) return std::nullopt;
  Growing& g = **it;
  if (g.builder.length() != length) {
    drop(it);
    return std::nullopt;
  }
  const Result<crypto::BabLabel> digest = g.builder.finish();
  if (!digest || !std::equal(digest->begin(), digest->end(), key.begin()) || !g.flush() ||
      !g.file.close()) {
    drop(it);
    return std::nullopt;
  }
  std::string path = g.file.path();
  growing_.erase(it);
  return path;
}

void GrowingOutboards::forget(const PayloadKey& key) {
  if (const auto it = find(key); it != growing_.end()) drop(it);
}

void GrowingOutboards::clear() {
  while (!growing_.empty()) drop(growing_.begin());
}

}  // namespace osier::store
