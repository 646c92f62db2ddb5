// Runtime choice of the WILLIAM3 backend, made once per process.
#include <cstdlib>
#include <cstring>

#include "crypto/william3_impl.hpp"

namespace osier::crypto::w3 {

std::size_t available_backends(const Backend** out, std::size_t max) {
  std::size_t n = 0;
  if (n < max) out[n++] = &portable_backend();
  return n;
}

namespace {
const Backend* choose() {
  const Backend* all[8];
  std::size_t n = available_backends(all, 8);
  if (const char* forced = std::getenv("OSIER_WILLIAM3_BACKEND")) {
    for (std::size_t i = 0; i < n; ++i)
      if (std::strcmp(all[i]->name, forced) == 0) return all[i];
  }
  return all[n - 1];
}
const Backend*& active() {
  static const Backend* b = choose();
  return b;
}
}  // namespace

const Backend& active_backend() { return *active(); }
void set_active_backend(const Backend& b) { active() = &b; }

}  // namespace osier::crypto::w3
