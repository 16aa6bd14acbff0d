// A POSIX ustar archive in memory: the way a set of small files crosses one
// remote command (`tar -x` on the far side) instead of one command per file.
// Regular files only, each with the given mode, owned by 0:0, mtime 0; the
// parent directories of every file come first as entries of their own.
#pragma once

#include <map>
#include <string>

#include "core/error.h"

namespace quarry {

// Fails, building nothing, when a path is absolute, empty, has an empty, "."
// or ".." segment, or does not fit ustar's 100-byte name field, or when the
// archive would pass max_bytes.
Result<std::string> ustar_archive(const std::map<std::string, std::string>& files, unsigned mode = 0644,
                                  std::size_t max_bytes = 64u << 20);

}  // namespace quarry
