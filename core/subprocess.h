// Running a local program: argv in, exit code and output out. No shell is
// involved, so no quoting is needed here. This is the mechanism under
// LocalShell and the docker/nginx/git helpers on the HQ.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include "core/error.h"
#include "core/quote.h"

namespace quarry {

struct ProcessResult {
  int exit_code = 0;        // 128+N when killed by signal N; 124 on timeout
  std::string out;
  std::string err;
  bool timed_out = false;
  bool ok() const { return exit_code == 0; }
};

struct ProcessOptions {
  std::string stdin_data;                                  // written to the child's stdin
  std::optional<std::chrono::milliseconds> timeout;        // kill (SIGKILL) after this long
  std::map<std::string, std::string> env;                  // added to the inherited environment
  std::string cwd;                                         // empty: inherit
  // When set, output is passed to this callback as it arrives instead of
  // being collected (true for stdout, false for stderr).
  std::function<void(bool is_stdout, std::string_view chunk)> on_output;
};

// Runs argv[0] (looked up on PATH) and waits for it. Fails only when the
// program cannot be started; a non-zero exit is a successful Result whose
// exit_code says so.
Result<ProcessResult> run_process(const Argv& argv, const ProcessOptions& options = {});

// Like run_process, but a non-zero exit becomes an Error whose message holds
// the command and the last lines of its stderr.
Result<ProcessResult> run_checked(const Argv& argv, const ProcessOptions& options = {});

// True when `name` is an executable on PATH.
bool have_program(const std::string& name);

// Closes every file descriptor from `lowest` up (in a child before exec:
// a command or daemon gets only what it is given, never a lock or socket
// this process or its parent happened to hold).
void close_fds_from(int lowest);

}  // namespace quarry
