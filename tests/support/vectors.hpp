// Loads ../shared/vectors/willow25.json: the test vectors stated by the spec itself.
#pragma once

#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

namespace osier::testing {

inline const nlohmann::json& willow25_vectors() {
  static const nlohmann::json j = [] {
    std::string path = std::string(OSIER_VECTORS_DIR) + "/willow25.json";
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot open test vectors at " + path);
    return nlohmann::json::parse(in);
  }();
  return j;
}

}  // namespace osier::testing
