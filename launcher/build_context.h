// The content of a build context as one hash, so that `quarry run` can tell
// that a directory it built before is unchanged and skip `docker build`,
// which sends the whole context to the engine and walks every step of the
// Dockerfile through its cache even when nothing changed.
#pragma once

#include <string>

#include "core/error.h"

namespace quarry {

// SHA-256 (hex) over every entry under `dir`, in path order: its path
// relative to `dir`, its kind and permission bits, and a file's content or
// a symlink's target (symlinks are not followed). Equal trees give equal
// hashes; an added, removed, renamed, edited or chmod-ed entry changes it.
// Fails naming the entry that cannot be read.
Result<std::string> context_hash(const std::string& dir);

}  // namespace quarry
