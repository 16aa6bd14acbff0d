// The commented quarry.yml that `quarry init` writes: a working manifest for
// one web node built from the repository, with the other keys shown in
// comments. docs/manifest.md is the full reference.
#pragma once

#include <string>
#include <string_view>

namespace quarry {

// The starter manifest for a stack named `name`. It parses without a
// diagnostic when `name` is a valid stack name (a DNS label).
std::string starter_manifest(std::string_view name);

}  // namespace quarry
