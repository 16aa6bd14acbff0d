// Deploying and operating stacks: deploy, scale, releases, rollback, promote.
#include <cstdlib>
#include <ctime>
#include <iostream>

#include "cli/cluster.h"
#include "cli/command.h"
#include "cli/manifest_input.h"
#include "cli/table.h"
#include "core/file_io.h"
#include "core/log.h"
#include "core/text.h"
#include "grid/clock.h"
#include "launcher/domain_owners.h"
#include "launcher/phase_timings.h"

namespace quarry {

namespace {

std::string who(const std::string& by) {
  if (!by.empty()) return by;
  const char* user = std::getenv("USER");
  return user && *user ? user : "cli";
}

struct DeployArgs {
  std::string file = "quarry.yml";
  std::string commit;
  std::string by;
  int canary = 0;
  int drain_ms = 2000;
  std::string name;        // the stack's name when the manifest has none
  std::string stack;
  std::string assignment;  // NODE=N
  int release = 0;
  bool timings = false;    // the phases per server after the deploy
};

Status deploy(Context& ctx, const DeployArgs& a) {
  auto m = load_manifest(ctx, a.file, a.name);
  if (!m) return std::unexpected(m.error());
  // A domain another stack routes: refused before anything starts.
  auto text = read_file(m->path);
  if (!text) return std::unexpected(text.error());
  if (auto s = check_domain_owners(ctx.store(), m->stack, *text, m->path); !s) return s;
  Cluster cluster(ctx);
  LaunchOptions options;
  options.drain_ms = a.drain_ms;
  auto deployer = cluster.deployer(options);
  if (!deployer) return std::unexpected(deployer.error());
  SystemClock clock;
  PhaseTimings timings(clock);
  (*deployer)->record_timings(&timings);
  Step total("deploy " + m->stack.name + " from " + m->path);
  DeployRequest req{m->stack, m->directory, a.commit, who(a.by), a.canary};
  auto result = (*deployer)->deploy(req);
  if (a.timings && !ctx.options().json) std::cerr << render_timings(timings.summary());
  if (!result) {
    total.failed("see above");
    return std::unexpected(result.error());
  }
  total.done("release " + std::to_string(result->release));
  if (!result->avoided.empty()) log_info("    avoided: " + join(result->avoided, ", "));
  if (ctx.options().json) {
    nlohmann::json j = {{"stack", m->stack.name}, {"release", result->release}, {"canary", a.canary},
                        {"avoided", result->avoided}, {"timings", timings_json(timings.summary())}};
    std::cout << j.dump(2) << "\n";
    return {};
  }
  std::cout << m->stack.name << ": release " << result->release
            << (a.canary ? " is a canary with " + std::to_string(a.canary) + "% of the traffic (quarry promote " +
                               m->stack.name + " or quarry rollback " + m->stack.name + ")"
                         : " is live")
            << "\n";
  return {};
}

Status scale(Context& ctx, const DeployArgs& a) {
  auto eq = a.assignment.find('=');
  if (eq == std::string::npos) return fail("expected NODE=COUNT, e.g. web=3", ErrorKind::Usage);
  std::string node = a.assignment.substr(0, eq);
  int count = 0;
  try {
    std::size_t used = 0;
    count = std::stoi(a.assignment.substr(eq + 1), &used);
    if (used != a.assignment.size() - eq - 1) throw std::invalid_argument("count");
  } catch (...) {
    return fail("'" + a.assignment.substr(eq + 1) + "' is not a whole number", ErrorKind::Usage);
  }
  Cluster cluster(ctx);
  auto deployer = cluster.deployer();
  if (!deployer) return std::unexpected(deployer.error());
  return (*deployer)->scale(a.stack, node, count, who(a.by));
}

Status releases(Context& ctx, const std::string& stack) {
  auto list = load_releases(ctx.store(), stack);
  if (!list) return std::unexpected(list.error());
  if (list->empty() && !ctx.options().json) return fail("stack '" + stack + "' has no releases");
  if (ctx.options().json) {
    nlohmann::json arr = nlohmann::json::array();
    for (auto r : *list) {
      r.spec = nullptr;
      arr.push_back(to_json(r));
    }
    std::cout << arr.dump(2) << "\n";
    return {};
  }
  Table t({"RELEASE", "STATUS", "COMMIT", "BY", "WHEN", "MANIFEST", "ENV"});
  for (const auto& r : *list) {
    char when[32] = "-";
    std::time_t tt = static_cast<std::time_t>(r.created_at);
    if (r.created_at) std::strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", std::gmtime(&tt));
    t.add({std::to_string(r.number), r.status, r.commit.empty() ? "-" : r.commit.substr(0, 12), r.by, when,
           r.manifest_hash.substr(0, 12), r.env_hash.empty() ? "-" : r.env_hash.substr(0, 12)});
  }
  std::cout << t.render();
  return {};
}

Status rollback(Context& ctx, const DeployArgs& a) {
  Cluster cluster(ctx);
  auto deployer = cluster.deployer();
  if (!deployer) return std::unexpected(deployer.error());
  auto current = Deployer::current_release(ctx.store(), a.stack);
  if (current && current->status == "canary" && a.release == 0) {
    return (*deployer)->abort_canary(a.stack, who(a.by));
  }
  auto r = (*deployer)->rollback(a.stack, a.release ? std::optional<int>(a.release) : std::nullopt, who(a.by));
  if (!r) return std::unexpected(r.error());
  std::cout << a.stack << ": release " << r->release << " is live\n";
  return {};
}

Status promote(Context& ctx, const DeployArgs& a) {
  Cluster cluster(ctx);
  auto deployer = cluster.deployer();
  if (!deployer) return std::unexpected(deployer.error());
  return (*deployer)->promote(a.stack, who(a.by));
}

}  // namespace

void register_deploy_commands(Registry& r) {
  auto a = std::make_shared<DeployArgs>();
  auto* deploy_cmd = r.add(r.app(), "deploy", "Compile, build the images, and launch the stack on the cluster",
                           [a](Context& c) { return deploy(c, *a); });
  deploy_cmd->add_option("-f,--file", a->file, "The manifest (default quarry.yml)");
  deploy_cmd->add_option("--canary", a->canary, "Run the new release beside the old with this % of the traffic")
      ->check(CLI::Range(1, 99));
  deploy_cmd->add_option("--drain", a->drain_ms, "Milliseconds between the router switch and stopping old containers");
  deploy_cmd->add_option("--name", a->name, "The stack's name when quarry.yml has no name: (default: its directory's)");
  deploy_cmd->add_option("--commit", a->commit, "The git commit being deployed (recorded in the release)");
  deploy_cmd->add_option("--by", a->by, "Who deploys (recorded in the release; default $USER)");
  deploy_cmd->add_flag("--timings", a->timings,
                       "After the deploy, print each phase (reconcile, build, ship, start, health, router) per server "
                       "with its time");
  r.json_flag(deploy_cmd);

  auto* scale_cmd = r.add(r.app(), "scale", "Change a node's replica count until the next deploy",
                          [a](Context& c) { return scale(c, *a); });
  scale_cmd->add_option("stack", a->stack, "Stack")->required();
  scale_cmd->add_option("assignment", a->assignment, "NODE=COUNT")->required();

  auto stack = std::make_shared<std::string>();
  auto* rel = r.add(r.app(), "releases", "List a stack's releases", [stack](Context& c) { return releases(c, *stack); });
  rel->add_option("stack", *stack, "Stack")->required();
  r.json_flag(rel);

  auto* rb = r.add(r.app(), "rollback", "Redeploy an earlier release (default: the one before), or drop a canary",
                   [a](Context& c) { return rollback(c, *a); });
  rb->add_option("stack", a->stack, "Stack")->required();
  rb->add_option("release", a->release, "Release number (see quarry releases)");

  auto* pr = r.add(r.app(), "promote", "Give a canary all the traffic and retire the old release",
                   [a](Context& c) { return promote(c, *a); });
  pr->add_option("stack", a->stack, "Stack")->required();
}

}  // namespace quarry
