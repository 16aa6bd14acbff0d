// The cluster's replicated files in the store:
//   etc/files.json        {"PATH": {"mode": 420, "sha256": "..."}}: the index
//   etc/files/data/PATH   the bytes
// The index is the truth: put writes the bytes first, then the index; rm
// drops the index entry first, then the bytes. The path "hosts" is the
// generated hosts file and cannot be put.
#pragma once

#include <string>

#include "launcher/file_sync.h"
#include "store/store.h"

namespace quarry {

inline constexpr std::size_t kMaxConfigFileBytes = 1024 * 1024;
inline constexpr std::size_t kMaxConfigFiles = 256;
inline constexpr const char* kHostsFile = "hosts";

// Every stored file with its content. A damaged index is an error naming it.
Result<FileSet> load_config_files(Store& store);
// Adds or replaces one file. Fails (kind User, nothing changed) on a bad
// path or mode, the reserved "hosts", a file over 1 MiB, or a 257th file.
Status put_config_file(Store& store, const std::string& path, const std::string& content, unsigned mode);
// Removes one file; an unknown path is a User error.
Status remove_config_file(Store& store, const std::string& path);

}  // namespace quarry
