#include "hq/process_deploy_runner.h"

#include "core/subprocess.h"
#include "hq/receive.h"

namespace quarry {

Argv ProcessDeployRunner::command(const PushDeployRequest& r) const {
  return {program_, "--home", home_, "deploy", "-f", r.src_dir + "/" + kManifestFile, "--name", r.stack,
          "--commit", r.commit, "--by", r.pushed_by};
}

Status ProcessDeployRunner::deploy(const PushDeployRequest& request) {
  // Output arrives in chunks that may split lines; pass on whole lines only.
  std::string pending[2];
  auto emit = [&request](std::string& buf, bool all) {
    std::size_t start = 0, nl;
    while ((nl = buf.find('\n', start)) != std::string::npos) {
      if (request.progress) request.progress(std::string_view(buf).substr(start, nl - start));
      start = nl + 1;
    }
    buf.erase(0, start);
    if (all && !buf.empty()) {
      if (request.progress) request.progress(buf);
      buf.clear();
    }
  };
  ProcessOptions options;
  options.cwd = request.src_dir;
  options.on_output = [&](bool is_stdout, std::string_view chunk) {
    auto& buf = pending[is_stdout ? 0 : 1];
    buf.append(chunk);
    emit(buf, false);
  };
  auto argv = command(request);
  auto result = run_process(argv, options);
  if (!result) return std::unexpected(result.error());
  emit(pending[0], true);
  emit(pending[1], true);
  if (!result->ok()) return fail_remote(shell_join(argv) + ": exit " + std::to_string(result->exit_code));
  return {};
}

}  // namespace quarry
