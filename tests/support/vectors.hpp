// Loads the test vectors in ../shared/vectors/: willow25.json (stated by the spec itself) and
// sync_handshake.json (a handshake transcript from an independent implementation under the
// readings of SPEC-NOTES, Sync items 1-6).
#pragma once

#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

namespace osier::testing {

inline nlohmann::json load_vectors(const char* file) {
  std::string path = std::string(OSIER_VECTORS_DIR) + "/" + file;
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open test vectors at " + path);
  return nlohmann::json::parse(in);
}

inline const nlohmann::json& willow25_vectors() {
  static const nlohmann::json j = load_vectors("willow25.json");
  return j;
}

inline const nlohmann::json& sync_handshake_vectors() {
  static const nlohmann::json j = load_vectors("sync_handshake.json");
  return j;
}

}  // namespace osier::testing
