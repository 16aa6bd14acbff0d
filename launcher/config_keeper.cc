#include "launcher/config_keeper.h"

#include "core/text.h"
#include "launcher/parallel.h"

namespace quarry {

std::vector<FileReport> ConfigKeeper::check(const std::vector<FileTarget>& targets, const FileSet& desired) {
  std::vector<FileReport> out(targets.size());
  parallel_for(targets.size(), 16, [&](std::size_t i) {
    out[i].server = targets[i].endpoint.name;
    auto listing = sync_.list(targets[i]);
    if (!listing) out[i].error = listing.error().message;
    else out[i].drift = diff_files(desired, *listing);
  });
  return out;
}

Result<std::vector<FileReport>> ConfigKeeper::repair(const std::vector<FileTarget>& targets, const FileSet& desired) {
  std::vector<FileReport> out(targets.size());
  parallel_for(targets.size(), 16, [&](std::size_t i) {
    out[i].server = targets[i].endpoint.name;
    auto changed = sync_.apply(targets[i], desired);
    if (!changed) out[i].error = changed.error().message;
    else out[i].drift = *changed;
  });
  std::vector<FileReport> changed;
  std::vector<std::string> errors;
  for (auto& r : out) {
    if (!r.error.empty()) errors.push_back(r.error);
    else if (!r.drift.empty()) changed.push_back(std::move(r));
  }
  if (!errors.empty()) return fail_remote("replicated files: " + join(errors, "; "));
  return changed;
}

}  // namespace quarry
