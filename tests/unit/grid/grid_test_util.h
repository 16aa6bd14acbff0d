// Shared by the grid's tests: slice and block builders, a recording events
// fake, and the invariant check run after every operation.
#pragma once

#include <functional>
#include <ostream>
#include <map>
#include <utility>
#include <memory>
#include <string>
#include <vector>

#include "grid/grid.h"
#include "grid/placement_policy.h"

namespace quarry {
// Printers for test failure messages.
inline std::ostream& operator<<(std::ostream& os, const Resources& r) {
  return os << r.memory_mb << "MB/" << r.cpu_millis << "m";
}
inline std::ostream& operator<<(std::ostream& os, const Move& m) {
  return os << m.slice << ": " << m.from << " -> " << m.to;
}
}  // namespace quarry

namespace quarry::test {

inline Slice node(std::string id, std::int64_t mb, std::int64_t millis, Tags required = {}) {
  return Slice{std::move(id), {mb, millis}, false, std::move(required)};
}
inline Slice service(std::string id, std::int64_t mb, std::int64_t millis) {
  return Slice{std::move(id), {mb, millis}, true, {}};
}
inline BlockSpec block(std::string id, std::int64_t mb, std::int64_t millis, Tags tags = {}) {
  return BlockSpec{std::move(id), {mb, millis}, std::move(tags)};
}

struct PolicyFactory {
  std::string name;
  std::function<std::unique_ptr<PlacementPolicy>()> make;
};
// Every built-in policy: the contract and property suites run over all.
std::vector<PolicyFactory> all_policies();

// Records events as lines ("create #1 8192MB/4000m", "added blog/web/0 s1")
// and can answer create requests at once, or fail them, from the handler.
class RecordingEvents final : public GridEvents {
 public:
  void on_create(const CreateRequest& r) override;
  void on_destroy(const Block& b) override { log.push_back("destroy " + b.id); }
  void on_added(const Slice& s, const Block& b) override { log.push_back("added " + s.id + " " + b.id); }
  void on_removed(const Slice& s, const Block& b) override { log.push_back("removed " + s.id + " " + b.id); }
  std::vector<std::string> take() { return std::exchange(log, {}); }

  std::vector<std::string> log;
  std::vector<CreateRequest> requests;
  Grid* grid = nullptr;          // set to answer from inside the handler
  bool answer_with_block = false;
  bool answer_with_failure = false;
  int next_block = 1;
};

// Checks what must hold after any operation; the message names the first
// broken rule, empty when all hold. `expected` maps every slice id the grid
// should know to its slice.
std::string check_invariants(const Grid& grid, const std::map<std::string, Slice>& expected);

}  // namespace quarry::test
