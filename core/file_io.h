// Files on the local disk: whole-file reads and crash-safe writes.
#pragma once

#include <string>
#include <vector>

#include "core/error.h"

namespace quarry {

// Reads the whole file. A missing file is an error naming the path.
Result<std::string> read_file(const std::string& path);

// Writes `data` so that a reader sees either the old content or the new,
// never a mix: write a temporary file beside it, fsync, rename over the
// target, fsync the directory. Creates missing parent directories.
Status write_file_atomic(const std::string& path, std::string_view data, unsigned mode = 0644);

// mkdir -p; `mode` applies to the directories it creates.
Status make_dirs(const std::string& path, unsigned mode = 0755);

bool path_exists(const std::string& path);
bool is_directory(const std::string& path);

// Names (not paths) of the entries of a directory, sorted; empty if missing.
std::vector<std::string> list_dir(const std::string& path);

// rm -rf; succeeds when the path is already gone.
Status remove_all(const std::string& path);

// A fresh directory under $TMPDIR (or /tmp) named PREFIX.XXXXXX.
Result<std::string> make_temp_dir(const std::string& prefix);

}  // namespace quarry
