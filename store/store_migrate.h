// Copying the state from one store to another (`quarry store migrate`):
// every key except those that live only on the HQ's disk (is_disk_only),
// written in batches of atomic commits, then read back from the target and
// compared byte for byte. Values over kMaxStoreValue are found before
// anything is written, so a refused migration changes nothing.
#pragma once

#include <string>
#include <vector>

#include "store/store.h"

namespace quarry {

// Paths that stay on the HQ's disk whatever the store: run/locks (live
// locks), keys/ (the HQ's private key), engine/, local/, cloud/local (local
// servers), .ssh, and each stack's src/, build/ and repo.git.
bool is_disk_only(std::string_view key);

// Every key below `prefix` ("" for all) that holds a value, sorted, without
// the disk-only ones.
Result<std::vector<std::string>> list_keys(Store& store, std::string_view prefix = "");

struct MigrateReport {
  std::size_t keys = 0;
  std::size_t bytes = 0;
};

Result<MigrateReport> migrate_store(Store& from, Store& to);

}  // namespace quarry
