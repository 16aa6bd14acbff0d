// The two dimensions a block offers and a slice consumes, and the tags that
// steer placement. Integers only: memory in MB and cpu in millicores, so that
// sums and differences never drift the way floating point would.
#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace quarry {

struct Resources {
  std::int64_t memory_mb = 0;
  std::int64_t cpu_millis = 0;

  friend bool operator==(const Resources&, const Resources&) = default;
  Resources& operator+=(const Resources& o) {
    memory_mb += o.memory_mb;
    cpu_millis += o.cpu_millis;
    return *this;
  }
  Resources& operator-=(const Resources& o) {
    memory_mb -= o.memory_mb;
    cpu_millis -= o.cpu_millis;
    return *this;
  }
  friend Resources operator+(Resources a, const Resources& b) { return a += b; }
  friend Resources operator-(Resources a, const Resources& b) { return a -= b; }
  // True when `need` fits in *this in both dimensions.
  bool holds(const Resources& need) const {
    return need.memory_mb <= memory_mb && need.cpu_millis <= cpu_millis;
  }
  bool is_zero() const { return memory_mb == 0 && cpu_millis == 0; }
};

// Block tags ("role" -> "router") and a slice's required tags use one type.
using Tags = std::map<std::string, std::string>;

// True when every required key is present in `tags` with the same value.
inline bool tags_satisfy(const Tags& tags, const Tags& required) {
  for (const auto& [key, value] : required) {
    auto it = tags.find(key);
    if (it == tags.end() || it->second != value) return false;
  }
  return true;
}

// True for the router server's tags (role=router), and for a slice that
// requires them.
inline bool is_router(const Tags& tags) {
  auto it = tags.find("role");
  return it != tags.end() && it->second == "router";
}

}  // namespace quarry
