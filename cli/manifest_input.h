// Reading the manifest a command was pointed at (-f FILE) and compiling it
// against the current state in the store. Shared by check, build, plan and
// deploy.
#pragma once

#include <string>

#include "cli/context.h"
#include "compiler/instruction.h"
#include "compiler/stack.h"

namespace quarry {

struct LoadedManifest {
  std::string path;        // as given on the command line
  std::string directory;   // the directory holding it (build contexts are relative to it)
  Stack stack;
};

// Reads and validates `path`. Errors list every problem, located. The
// stack's name, when the manifest has none, is `default_name` or else the
// name of the directory holding the file.
Result<LoadedManifest> load_manifest(Context& ctx, const std::string& path, const std::string& default_name = {});

// Compiles against what the store says runs now for the stack.
Result<InstructionList> compile_against_store(Context& ctx, const Stack& stack);

}  // namespace quarry
