// The live books of one stack's containers during a launch: every change is
// written to the store at once (stacks/APP/containers.json), so `quarry ps`
// is true after each step, even if the launch dies half-way. Or, batched
// (the control loop), changes are held until flush(): one write of the
// stack's books per phase of a pass instead of one per action. A loop that
// dies before its flush left containers no record knows (removed as drift
// by the next pass, their slices freed as orphans) and records of
// containers gone (replaced): the next pass converges either way.
// Thread-safe.
#pragma once

#include <functional>
#include <mutex>
#include <vector>

#include "store/records.h"

namespace quarry {

enum class RecordWrites {
  Each,     // every change written at once
  Batched,  // held until flush()
};

class StackRecords {
 public:
  static Result<StackRecords> load(Store& store, const std::string& stack, RecordWrites writes = RecordWrites::Each);
  StackRecords(StackRecords&& o) noexcept
      : store_(o.store_), stack_(std::move(o.stack_)), writes_(o.writes_), dirty_(o.dirty_),
        records_(std::move(o.records_)) {}

  Status add(const ContainerRecord& record);
  Status remove(const std::string& name);
  // Applies `change` to every record for which `match` holds, then saves.
  Status update(const std::function<bool(const ContainerRecord&)>& match,
                const std::function<void(ContainerRecord&)>& change);
  // Writes the changes held since the last write, in one write; nothing
  // when none is held (always so for RecordWrites::Each).
  Status flush();
  std::vector<ContainerRecord> all() const;
  // The records of one process, optionally only of one release.
  std::vector<ContainerRecord> of(const std::string& process, std::optional<int> release = std::nullopt) const;

 private:
  StackRecords(Store& store, std::string stack, RecordWrites writes, std::vector<ContainerRecord> records)
      : store_(&store), stack_(std::move(stack)), writes_(writes), records_(std::move(records)) {}
  Status save_locked();
  Store* store_;
  std::string stack_;
  RecordWrites writes_;
  bool dirty_ = false;  // changes not written yet (Batched)
  mutable std::mutex mu_;
  std::vector<ContainerRecord> records_;
};

// The slice id of a container: "stack/node.rN/index" for a node (releases
// of one node coexist during a deploy), "stack/service/1" for a service.
std::string slice_id_of(const ContainerRecord& record);
std::string slice_id_for(const std::string& stack, const std::string& process, bool service, int release, int index);

}  // namespace quarry
