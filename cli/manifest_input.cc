#include "cli/manifest_input.h"

#include <climits>
#include <cstdlib>
#include <set>

#include "compiler/compile.h"
#include "compiler/manifest_parser.h"
#include "core/file_io.h"
#include "core/text.h"
#include "store/records.h"
#include "store/store_json.h"

namespace quarry {

namespace {
std::string directory_of(const std::string& path) {
  char resolved[PATH_MAX];
  std::string abs = realpath(path.c_str(), resolved) ? std::string(resolved) : path;
  auto slash = abs.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : abs.substr(0, slash);
}

std::string base_name(const std::string& dir) {
  auto slash = dir.rfind('/');
  return slash == std::string::npos ? dir : dir.substr(slash + 1);
}
}  // namespace

Result<LoadedManifest> load_manifest(Context& ctx, const std::string& path, const std::string& default_name) {
  auto text = read_file(path);
  if (!text) {
    return fail(text.error().message + " (create one with `quarry init`, or point at it with -f FILE)");
  }
  auto global_env = read_env(ctx.store(), "etc/env");
  if (!global_env) return std::unexpected(global_env.error());
  LoadedManifest out;
  out.path = path;
  out.directory = directory_of(path);
  ManifestOptions options;
  options.path = path;
  options.default_name = default_name.empty() ? base_name(out.directory) : default_name;
  options.global_env = *global_env;
  auto stack = parse_manifest(*text, options);
  if (!stack) return std::unexpected(stack.error());
  out.stack = std::move(*stack);
  return out;
}

Result<InstructionList> compile_against_store(Context& ctx, const Stack& stack) {
  auto containers = load_containers(ctx.store(), stack.name);
  if (!containers) return std::unexpected(containers.error());
  auto routes = load_routes(ctx.store(), stack.name);
  if (!routes) return std::unexpected(routes.error());
  DeployedState deployed;
  std::set<std::string> services, nodes, routed;
  for (const auto& c : *containers) (c.service ? services : nodes).insert(c.node);
  for (const auto& [domain, node] : *routes) routed.insert(node);
  deployed.services.assign(services.begin(), services.end());
  deployed.nodes.assign(nodes.begin(), nodes.end());
  deployed.routed_nodes.assign(routed.begin(), routed.end());
  return compile(stack, deployed);
}

}  // namespace quarry
