#include "hq/stack_repo.h"

#include "core/file_io.h"
#include "core/quote.h"
#include "hq/git_repo.h"

namespace quarry {

std::string stack_repo_path(const std::string& home, const std::string& stack) {
  return home + "/stacks/" + stack + "/repo.git";
}

std::string render_pre_receive_hook(const std::string& binary, const std::string& home, const std::string& stack) {
  return "#!/bin/sh\n"
         "# Installed by quarry: validate quarry.yml and deploy before the refs are accepted.\n"
         "exec " +
         shell_join({binary, "--home", home, "hq", "receive", "pre", stack}) + "\n";
}

Status ensure_stack_repo(const std::string& home, const std::string& stack, const std::string& binary,
                         const std::string& branch) {
  std::string path = stack_repo_path(home, stack);
  auto repo = GitRepo::init_bare(path, branch);
  if (!repo) return std::unexpected(repo.error());
  std::string hook_path = path + "/hooks/pre-receive";
  std::string hook = render_pre_receive_hook(binary, home, stack);
  auto current = read_file(hook_path);
  if (current && *current == hook) return {};
  if (auto s = make_dirs(path + "/hooks"); !s) return s;
  return write_file_atomic(hook_path, hook, 0755);
}

}  // namespace quarry
