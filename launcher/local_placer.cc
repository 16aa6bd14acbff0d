#include "launcher/local_placer.h"

#include <unistd.h>

#include <thread>

namespace quarry {

Result<std::string> LocalPlacer::place(const Slice& slice) {
  std::lock_guard lock(mu_);
  if (placed_.count(slice.id)) return std::string(kLocalServer);
  if (capacity_.memory_mb > 0) {
    Resources total = slice.size;
    for (const auto& [id, size] : placed_) total += size;
    if (total.memory_mb > capacity_.memory_mb) {
      return fail("slice " + slice.id + " needs " + std::to_string(slice.size.memory_mb) +
                  "M but this machine has " + std::to_string(capacity_.memory_mb - (total.memory_mb - slice.size.memory_mb)) +
                  "M left (lower memory: in quarry.yml or scale down with --scale NODE=N)");
    }
  }
  placed_[slice.id] = slice.size;
  return std::string(kLocalServer);
}

Status LocalPlacer::release(const std::string& slice_id) {
  std::lock_guard lock(mu_);
  placed_.erase(slice_id);
  return {};
}

Resources LocalPlacer::used() const {
  std::lock_guard lock(mu_);
  Resources total;
  for (const auto& [id, size] : placed_) total += size;
  return total;
}

Resources machine_resources() {
  Resources r;
  long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
  if (pages > 0 && page > 0) r.memory_mb = static_cast<std::int64_t>(pages) * page / (1024 * 1024);
  r.cpu_millis = static_cast<std::int64_t>(std::thread::hardware_concurrency()) * 1000;
  return r;
}

}  // namespace quarry
