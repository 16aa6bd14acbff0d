#include "store/store_migrate.h"

#include <algorithm>

#include "core/text.h"

namespace quarry {

bool is_disk_only(std::string_view key) {
  auto parts = split(key, '/');
  if (parts.empty()) return false;
  const auto& top = parts[0];
  // keys/ holds the HQ's own key pair (disk) and the servers' pinned host
  // keys (keys/known_hosts/ID: state, which every HQ needs).
  if (top == "keys") return parts.size() > 1 && parts[1] != "known_hosts";
  if (top == "engine" || top == "local" || top == ".ssh" || top == "store.url") return true;
  if (top == "run" && parts.size() > 1 && parts[1] == "locks") return true;
  if (top == "cloud" && parts.size() > 1 && parts[1] == "local") return true;
  if (top == "stacks" && parts.size() > 2) {
    const auto& what = parts[2];
    return what == "src" || what == "build" || what == "repo.git";
  }
  return false;
}

namespace {
Status walk(Store& store, const std::string& prefix, std::vector<std::string>& out) {
  auto names = store.list(prefix);
  if (!names) return std::unexpected(names.error());
  for (const auto& name : *names) {
    auto key = prefix.empty() ? name : prefix + "/" + name;
    if (is_disk_only(key)) continue;
    auto value = store.get(key);
    if (!value) return std::unexpected(value.error());
    if (*value) out.push_back(key);
    if (auto s = walk(store, key, out); !s) return s;
  }
  return {};
}
}  // namespace

Result<std::vector<std::string>> list_keys(Store& store, std::string_view prefix) {
  std::vector<std::string> out;
  if (auto s = walk(store, std::string(prefix), out); !s) return std::unexpected(s.error());
  std::sort(out.begin(), out.end());
  return out;
}

Result<MigrateReport> migrate_store(Store& from, Store& to) {
  auto keys = list_keys(from);
  if (!keys) return std::unexpected(keys.error().context("reading " + from.url()));
  std::vector<std::pair<std::string, std::string>> values;
  MigrateReport report;
  for (const auto& key : *keys) {
    auto v = from.get(key);
    if (!v) return std::unexpected(v.error());
    if (!*v) continue;  // removed meanwhile
    if (auto s = check_value(key, (*v)->size()); !s) return std::unexpected(s.error().context("nothing copied"));
    report.bytes += (*v)->size();
    values.emplace_back(key, std::move(**v));
  }
  // etcd allows 128 ops in one transaction by default; stay well below,
  // and below its request size.
  std::size_t i = 0;
  while (i < values.size()) {
    Txn txn;
    std::size_t size = 0;
    while (i < values.size() && txn.ops.size() < 64 && (txn.ops.empty() || size + values[i].second.size() < 1000000)) {
      unsigned mode = starts_with(values[i].first, "etc/env") || values[i].first.find("/env/") != std::string::npos || values[i].first == "etc/cloud.json"
                          ? 0600
                          : 0644;
      size += values[i].second.size();
      txn.put(values[i].first, values[i].second, mode);
      ++i;
    }
    auto done = to.commit(txn);
    if (!done) return std::unexpected(done.error().context("writing " + to.url()));
  }
  for (const auto& [key, value] : values) {
    auto back = to.get(key);
    if (!back) return std::unexpected(back.error().context("verifying " + to.url()));
    if (!*back || **back != value)
      return fail_remote("verifying " + to.url() + ": " + key + " differs after the copy; run the migration again");
  }
  report.keys = values.size();
  return report;
}

}  // namespace quarry
