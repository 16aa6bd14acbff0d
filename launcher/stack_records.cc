#include "launcher/stack_records.h"

#include <algorithm>

namespace quarry {

Result<StackRecords> StackRecords::load(Store& store, const std::string& stack, RecordWrites writes) {
  auto records = load_containers(store, stack);
  if (!records) return std::unexpected(records.error());
  return StackRecords(store, stack, writes, std::move(*records));
}

Status StackRecords::save_locked() {
  if (writes_ == RecordWrites::Batched) {
    dirty_ = true;
    return {};
  }
  return save_containers(*store_, stack_, records_);
}

Status StackRecords::flush() {
  std::lock_guard lock(mu_);
  if (!dirty_) return {};
  if (auto s = save_containers(*store_, stack_, records_); !s) return s;
  dirty_ = false;
  return {};
}

Status StackRecords::add(const ContainerRecord& record) {
  std::lock_guard lock(mu_);
  std::erase_if(records_, [&](const auto& r) { return r.name == record.name; });
  records_.push_back(record);
  std::sort(records_.begin(), records_.end(), [](const auto& a, const auto& b) {
    return std::tie(a.node, a.release, a.index) < std::tie(b.node, b.release, b.index);
  });
  return save_locked();
}

Status StackRecords::remove(const std::string& name) {
  std::lock_guard lock(mu_);
  std::erase_if(records_, [&](const auto& r) { return r.name == name; });
  return save_locked();
}

Status StackRecords::update(const std::function<bool(const ContainerRecord&)>& match,
                            const std::function<void(ContainerRecord&)>& change) {
  std::lock_guard lock(mu_);
  for (auto& r : records_) {
    if (match(r)) change(r);
  }
  return save_locked();
}

std::vector<ContainerRecord> StackRecords::all() const {
  std::lock_guard lock(mu_);
  return records_;
}

std::vector<ContainerRecord> StackRecords::of(const std::string& process, std::optional<int> release) const {
  std::lock_guard lock(mu_);
  std::vector<ContainerRecord> out;
  for (const auto& r : records_) {
    if (r.node == process && (!release || r.release == *release)) out.push_back(r);
  }
  return out;
}

std::string slice_id_for(const std::string& stack, const std::string& process, bool service, int release, int index) {
  if (service) return stack + "/" + process + "/1";
  return stack + "/" + process + ".r" + std::to_string(release) + "/" + std::to_string(index);
}

std::string slice_id_of(const ContainerRecord& r) { return slice_id_for(r.stack, r.node, r.service, r.release, r.index); }

}  // namespace quarry
