#include "launcher/deployer.h"

#include <ctime>
#include <set>
#include <thread>

#include "compiler/compile.h"
#include "compiler/instruction_json.h"
#include "core/log.h"
#include "core/text.h"
#include "launcher/image_pruner.h"
#include "launcher/parallel.h"
#include "launcher/reconcile.h"
#include "store/store_json.h"

namespace quarry {

Result<InstructionList> compile_for_store(Store& store, const Stack& stack) {
  auto containers = load_containers(store, stack.name);
  if (!containers) return std::unexpected(containers.error());
  auto routes = load_routes(store, stack.name);
  if (!routes) return std::unexpected(routes.error());
  std::set<std::string> services, nodes, routed;
  for (const auto& c : *containers) (c.service ? services : nodes).insert(c.node);
  for (const auto& [domain, node] : *routes) routed.insert(node);
  DeployedState deployed;
  deployed.services.assign(services.begin(), services.end());
  deployed.nodes.assign(nodes.begin(), nodes.end());
  deployed.routed_nodes.assign(routed.begin(), routed.end());
  return compile(stack, deployed);
}

Result<StoreLock> Deployer::lock_stack(const std::string& stack, const std::string& holder) {
  return deps_.store->lock("stacks/" + stack + "/deploy", holder, std::nullopt, [&](const std::string& who) {
    log_info("==> waiting for the stack's lock, held by: " + who);
  });
}

Status Deployer::reconcile_stack(const std::string& stack) {
  Step step("reconcile " + stack + " with the servers");
  auto span = timed(deps_.timings, Phase::Reconcile);
  auto servers = load_servers(*deps_.store);
  if (!servers) return std::unexpected(servers.error());
  auto report = reconcile(*deps_.store, *deps_.shell, *deps_.placer, stack, *servers);
  if (!report) return std::unexpected(report.error());
  for (const auto& u : report->unreachable) log_warn("unreachable, nothing is placed on it: " + u);
  for (const auto& id : report->unreachable_ids) options_.avoid_servers.insert(id);
  options_.images_on = report->images_on;
  options_.networks_on = report->networks_on;
  std::string note;
  if (!report->dropped.empty()) note += "gone: " + join(report->dropped, ", ");
  if (!report->removed.empty()) note += std::string(note.empty() ? "" : "; ") + "removed strays: " + join(report->removed, ", ");
  step.done(note);
  return {};
}

Result<int> Deployer::next_release(const std::string& stack) {
  auto releases = load_releases(*deps_.store, stack);
  if (!releases) return std::unexpected(releases.error());
  return releases->empty() ? 1 : releases->back().number + 1;
}

namespace {
nlohmann::json images_json(const std::map<std::string, BuiltImage>& images) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [p, img] : images) j[p] = {{"tag", img.tag}, {"id", img.id}};
  return j;
}

// The stack's env as the release sees it: a hash of KEY=VALUE lines and the
// keys alone (values are secrets and stay out of the release record).
Status record_env(Store& store, const std::string& stack, ReleaseRecord& rec) {
  auto env = read_env(store, "stacks/" + stack + "/env");
  if (!env) return std::unexpected(env.error());
  std::string lines;
  nlohmann::json keys = nlohmann::json::array();
  for (const auto& [k, v] : *env) {
    lines += k + "=" + v + "\n";
    keys.push_back(k);
  }
  rec.env_hash = sha256_hex(lines);
  rec.spec["env_keys"] = keys;
  return {};
}
}  // namespace

void Deployer::prune_images(const std::string& stack) {
  ImagePruner pruner(*deps_.store, *deps_.shell, deps_.engine);
  auto report = pruner.prune(stack);
  if (!report) {
    log_warn("image retention: " + report.error().message);
    return;
  }
  for (const auto& p : report->problems) log_debug("image retention: " + p);
  if (report->removed > 0) log_info("    pruned " + std::to_string(report->removed) + " old image tag(s) of " + stack);
}

Result<DeployResult> Deployer::launch(const std::string& stack, const InstructionList& list,
                                      const std::map<std::string, BuiltImage>& images, const ReleaseRecord& base,
                                      int canary) {
  ReleaseRecord rec = base;
  for (const auto& [p, img] : images) rec.images[p] = img.id;
  rec.spec = {{"instructions", nlohmann::json::parse(to_json(list))}, {"images", images_json(images)}};
  if (auto s = record_env(*deps_.store, stack, rec); !s) return std::unexpected(s.error());
  rec.status = "deploying";
  if (auto s = save_release(*deps_.store, rec); !s) return std::unexpected(s.error());
  Launcher launcher(launch_deps(), options_);
  auto st = launcher.execute(list, rec.number, images, canary);
  if (deps_.timings) {
    for (const auto& line : render_phase_lines(deps_.timings->summary())) log_info("    " + line);
  }
  if (st) {
    // After the switch, off the path to live: the release's name for an
    // image the servers already had (retention below goes by names).
    for (const auto& p : launcher.tag_deferred()) log_warn(p);
  }
  rec.status = st ? (canary > 0 ? "canary" : "deployed") : "failed";
  if (auto s = save_release(*deps_.store, rec); !s) return std::unexpected(s.error());
  if (!st) return std::unexpected(st.error().context(stack + " release " + std::to_string(rec.number)));
  prune_images(stack);
  return DeployResult{rec.number, launcher.problems(), launcher.avoided()};
}

LaunchDeps Deployer::launch_deps() const {
  return LaunchDeps{deps_.store, deps_.shell, deps_.placer, deps_.shipper, deps_.router, deps_.prober, deps_.timings};
}

// Every process's image at once: builds of different processes are
// independent, and an unchanged one is a cache hit.
Result<std::map<std::string, BuiltImage>> Deployer::build_images(const DeployRequest& req, int release) {
  Step step("build images");
  std::vector<const Process*> all;
  for (const auto* group : {&req.stack.services, &req.stack.nodes}) {
    for (const auto& p : *group) all.push_back(&p);
  }
  std::vector<Result<BuiltImage>> built(all.size(), fail("not built"));
  parallel_for(all.size(), options_.parallel, [&](std::size_t k) {
    auto span = timed(deps_.timings, Phase::Build);
    built[k] = deps_.builder->build(req.stack.name, *all[k], req.source_dir, std::to_string(release));
  });
  std::map<std::string, BuiltImage> images;
  int reused = 0;
  for (std::size_t k = 0; k < all.size(); ++k) {
    if (!built[k]) {
      step.failed(built[k].error().message);
      return std::unexpected(built[k].error());
    }
    reused += built[k]->reused;
    images[all[k]->name] = *built[k];
  }
  step.done(std::to_string(images.size()) + " image(s)" +
            (reused ? ", " + std::to_string(reused) + " unchanged since an earlier build" : ""));
  return images;
}

Result<DeployResult> Deployer::deploy(const DeployRequest& req) {
  const std::string& stack = req.stack.name;
  auto lock = lock_stack(stack, "deploy of " + stack + (req.commit.empty() ? "" : " " + req.commit.substr(0, 12)) +
                                    (req.by.empty() ? "" : " by " + req.by));
  if (!lock) return std::unexpected(lock.error());
  auto number = next_release(stack);
  if (!number) return std::unexpected(number.error());
  // The builds run on the HQ engine while the reconcile asks the servers:
  // neither needs the other, and each is a few hundred milliseconds of
  // every push.
  Result<std::map<std::string, BuiltImage>> images = fail("not built");
  std::thread builds([&] { images = build_images(req, *number); });
  auto reconciled = reconcile_stack(stack);
  builds.join();
  if (!reconciled) return std::unexpected(reconciled.error());
  if (!images) return std::unexpected(images.error());
  auto list = compile_for_store(*deps_.store, req.stack);
  if (!list) return std::unexpected(list.error());
  if (auto s = deps_.store->put("stacks/" + stack + "/build/instructions.json", to_json(*list)); !s) {
    return std::unexpected(s.error());
  }
  ReleaseRecord base;
  base.number = *number;
  base.stack = stack;
  base.commit = req.commit;
  base.manifest_hash = req.stack.manifest_hash;
  base.created_at = static_cast<std::int64_t>(std::time(nullptr));
  base.by = req.by;
  return launch(stack, *list, *images, base, req.canary_percent);
}

Result<DeployResult> Deployer::rollback(const std::string& stack, std::optional<int> number, const std::string& by) {
  auto lock = lock_stack(stack, "rollback of " + stack + (by.empty() ? "" : " by " + by));
  if (!lock) return std::unexpected(lock.error());
  auto releases = load_releases(*deps_.store, stack);
  if (!releases) return std::unexpected(releases.error());
  if (releases->empty()) return fail("stack " + stack + " has no releases");
  const ReleaseRecord* target = nullptr;
  if (number) {
    for (const auto& r : *releases) {
      if (r.number == *number) target = &r;
    }
    if (!target) return fail("stack " + stack + " has no release " + std::to_string(*number) + " (see quarry releases " + stack + ")");
  } else {
    // The newest deployed release before the newest deployed one.
    std::vector<const ReleaseRecord*> good;
    for (const auto& r : *releases) {
      if (r.status == "deployed" || r.status == "rolled-back") good.push_back(&r);
    }
    if (good.size() < 2) return fail("stack " + stack + " has no earlier release to roll back to");
    target = good[good.size() - 2];
  }
  if (!target->spec.contains("instructions") || !target->spec.contains("images")) {
    return fail("release " + std::to_string(target->number) + " of " + stack + " lacks what a rollback needs");
  }
  auto list = instructions_from_json(target->spec["instructions"].dump());
  if (!list) return std::unexpected(list.error().context("release " + std::to_string(target->number)));
  std::map<std::string, BuiltImage> images;
  for (const auto& [p, img] : target->spec["images"].items()) {
    images[p] = BuiltImage{p, img.value("tag", ""), img.value("id", "")};
  }
  if (auto s = reconcile_stack(stack); !s) return std::unexpected(s.error());
  auto next = next_release(stack);
  if (!next) return std::unexpected(next.error());
  log_info("==> rolling " + stack + " back to release " + std::to_string(target->number) + " as release " +
           std::to_string(*next));
  ReleaseRecord base = *target;
  base.number = *next;
  base.created_at = static_cast<std::int64_t>(std::time(nullptr));
  base.by = by;
  base.commit = target->commit;
  base.images.clear();
  return launch(stack, *list, images, base, 0);
}

Status Deployer::promote(const std::string& stack, const std::string& by) {
  auto lock = lock_stack(stack, "promote of " + stack + " by " + by);
  if (!lock) return std::unexpected(lock.error());
  auto releases = load_releases(*deps_.store, stack);
  if (!releases) return std::unexpected(releases.error());
  if (releases->empty() || releases->back().status != "canary") return fail("stack " + stack + " has no canary to promote");
  Launcher launcher(launch_deps(), options_);
  Step step("promote release " + std::to_string(releases->back().number));
  if (auto s = launcher.promote(stack, releases->back().number); !s) return s;
  auto rec = releases->back();
  rec.status = "deployed";
  return save_release(*deps_.store, rec);
}

Status Deployer::abort_canary(const std::string& stack, const std::string& by) {
  auto lock = lock_stack(stack, "rollback of the canary of " + stack + " by " + by);
  if (!lock) return std::unexpected(lock.error());
  auto releases = load_releases(*deps_.store, stack);
  if (!releases) return std::unexpected(releases.error());
  if (releases->empty() || releases->back().status != "canary") return fail("stack " + stack + " has no canary");
  Launcher launcher(launch_deps(), options_);
  Step step("drop canary release " + std::to_string(releases->back().number));
  if (auto s = launcher.drop_release(stack, releases->back().number); !s) return s;
  auto rec = releases->back();
  rec.status = "dropped";
  return save_release(*deps_.store, rec);
}

}  // namespace quarry

namespace quarry {

Result<ReleaseRecord> Deployer::current_release(Store& store, const std::string& stack) {
  auto releases = load_releases(store, stack);
  if (!releases) return std::unexpected(releases.error());
  for (auto it = releases->rbegin(); it != releases->rend(); ++it) {
    if (it->status == "deployed" || it->status == "canary") return *it;
  }
  return fail("stack " + stack + " has no live release (deploy it first)");
}

Status Deployer::scale(const std::string& stack, const std::string& node, int count, const std::string& by) {
  if (count < 0) return fail("scale must be 0 or more", ErrorKind::Usage);
  auto lock = lock_stack(stack, "scale of " + stack + "/" + node + " by " + by);
  if (!lock) return std::unexpected(lock.error());
  auto current = current_release(*deps_.store, stack);
  if (!current) return std::unexpected(current.error());
  auto list = instructions_from_json(current->spec.value("instructions", nlohmann::json::object()).dump());
  if (!list) return std::unexpected(list.error().context("release " + std::to_string(current->number)));
  const Instruction* deploy = nullptr;
  for (const auto& in : list->instructions) {
    if (in.op == Op::Deploy && in.target == node) deploy = &in;
  }
  if (!deploy) return fail("stack " + stack + " has no node '" + node + "' (services are not scaled)");
  auto img = current->spec["images"].value(node, nlohmann::json::object());
  BuiltImage image{node, img.value("tag", ""), img.value("id", "")};
  if (auto s = reconcile_stack(stack); !s) return s;
  Launcher launcher(launch_deps(), options_);
  Step step("scale " + stack + "/" + node + " to " + std::to_string(count));
  auto st = launcher.scale(*deploy, current->number, image, count);
  if (!st) {
    step.failed(st.error().message);
    return st;
  }
  for (const auto& p : launcher.tag_deferred()) log_warn(p);
  // The control loop keeps this scale until the next deploy.
  auto rec = *current;
  rec.spec["scale"][node] = count;
  return save_release(*deps_.store, rec);
}

}  // namespace quarry
