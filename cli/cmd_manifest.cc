// Commands on a manifest: init, check, build, plan.
#include <iostream>

#include "cli/command.h"
#include "cli/fleet_preview.h"
#include "cli/manifest_input.h"
#include "compiler/instruction_json.h"
#include "compiler/starter.h"
#include "core/file_io.h"
#include "launcher/domain_owners.h"
#include "launcher/grid_placer.h"
#include "control/planner.h"
#include "launcher/plan.h"
#include "store/records.h"

namespace quarry {

namespace {

struct ManifestArgs {
  std::string file = "quarry.yml";
  std::string out_dir;
  std::string name;
  bool force = false;
};

Status init(Context&, const ManifestArgs& a) {
  if (path_exists(a.file) && !a.force) {
    return fail(a.file + " already exists (use --force to overwrite it)");
  }
  std::string name = a.name;
  if (name.empty()) {
    char cwd[4096];
    std::string dir = getcwd(cwd, sizeof cwd) ? cwd : "app";
    name = dir.substr(dir.rfind('/') + 1);
  }
  if (auto s = write_file_atomic(a.file, starter_manifest(name)); !s) return s;
  std::cout << "wrote " << a.file << " (stack " << name << "); edit it, then run `quarry check`\n";
  return {};
}

Status check(Context& ctx, const ManifestArgs& a) {
  auto m = load_manifest(ctx, a.file);
  if (!m) return std::unexpected(m.error());
  // The router is shared: a domain another stack routes is refused here too.
  auto text = read_file(m->path);
  if (!text) return std::unexpected(text.error());
  if (auto s = check_domain_owners(ctx.store(), m->stack, *text, a.file); !s) return s;
  std::cout << a.file << ": ok (stack " << m->stack.name << ": " << m->stack.services.size() << " service(s), "
            << m->stack.nodes.size() << " node(s))\n";
  return {};
}

Status build(Context& ctx, const ManifestArgs& a) {
  auto m = load_manifest(ctx, a.file);
  if (!m) return std::unexpected(m.error());
  auto list = compile_against_store(ctx, m->stack);
  if (!list) return std::unexpected(list.error());
  std::string json = to_json(*list);
  std::string path;
  if (!a.out_dir.empty()) {
    path = a.out_dir + "/instructions.json";
    // 0600 here and in the store: the instructions hold env values.
    if (auto s = write_file_atomic(path, json, 0600); !s) return s;
  } else {
    std::string key = "stacks/" + m->stack.name + "/build/instructions.json";
    if (auto s = ctx.store().put(key, json, 0600); !s) return s;
    path = ctx.store().locate(key);
  }
  std::cout << "wrote " << path << " (" << list->instructions.size() << " instructions)\n";
  return {};
}

// What the control loop's next pass would do to the stack, from the last
// observation it recorded: the same planner a pass runs.
Result<ControlPlan> repair_plan(Store& store, Placer& placer, const std::string& stack) {
  auto servers = load_servers(store);
  if (!servers) return std::unexpected(servers.error());
  auto health = load_all_health(store, *servers);
  if (!health) return std::unexpected(health.error());
  auto obs = load_observation(store, stack);
  if (!obs) return std::unexpected(obs.error());
  std::map<std::string, std::vector<ObservedContainer>> observed;
  if (obs->at_ms > 0) {
    for (const auto& [id, h] : *health) {
      if (h.state == Health::Up && h.checked_ms > 0) observed[id];
    }
    for (const auto& c : obs->containers) {
      if (observed.count(c.server)) observed[c.server].push_back(c);
    }
  }
  auto state = read_stack_state(store, stack, observed, *health, obs->at_ms);
  if (!state) return std::unexpected(state.error());
  if (auto s = read_slices(placer, *state); !s) return std::unexpected(s.error());
  return plan_stack(*state);
}

Status plan(Context& ctx, const ManifestArgs& a) {
  auto m = load_manifest(ctx, a.file);
  if (!m) return std::unexpected(m.error());
  auto list = compile_against_store(ctx, m->stack);
  if (!list) return std::unexpected(list.error());
  auto containers = load_containers(ctx.store(), m->stack.name);
  if (!containers) return std::unexpected(containers.error());
  auto routes = load_routes(ctx.store(), m->stack.name);
  if (!routes) return std::unexpected(routes.error());
  auto p = make_plan(*list, *containers, *routes);
  // Only read here: a placer without a cloud behind it lists the grid's slices.
  GridPlacer grid(ctx.store(), nullptr);
  auto repair = repair_plan(ctx.store(), grid, m->stack.name);
  if (!repair) return std::unexpected(repair.error());
  FleetInput deploy;
  deploy.instructions = *list;
  deploy.current = *containers;
  deploy.plan = p;
  auto fleet = preview_fleet(ctx, std::move(deploy));
  if (!fleet) return std::unexpected(fleet.error());
  if (ctx.options().json) {
    auto j = plan_to_json(p);
    j["repair"] = control_plan_json(*repair);
    j["servers"] = fleet_preview_json(*fleet);
    std::cout << j.dump(2) << "\n";
    return {};
  }
  std::cout << render_plan(p) << render_fleet_preview(*fleet, "servers the deploy would change:");
  if (!repair->actions.empty()) {
    std::cout << "the control loop's next pass, from its last observation:\n" << render_control_plan(*repair);
  }
  return {};
}

}  // namespace

void register_manifest_commands(Registry& r) {
  auto a = std::make_shared<ManifestArgs>();
  auto file_opt = [&](CLI::App* cmd) { cmd->add_option("-f,--file", a->file, "The manifest (default quarry.yml)"); };

  auto* init_cmd = r.add(r.app(), "init", "Write a commented starter quarry.yml", [a](Context& c) { return init(c, *a); });
  file_opt(init_cmd);
  init_cmd->add_option("--name", a->name, "Stack name (default: this directory's name)");
  init_cmd->add_flag("--force", a->force, "Overwrite an existing file");

  auto* check_cmd = r.add(r.app(), "check", "Validate quarry.yml; print every error as FILE:LINE:COL",
                          [a](Context& c) { return check(c, *a); });
  file_opt(check_cmd);

  auto* build_cmd = r.add(r.app(), "build", "Compile quarry.yml into launch instructions (JSON)",
                          [a](Context& c) { return build(c, *a); });
  file_opt(build_cmd);
  build_cmd->add_option("-o,--out", a->out_dir, "Write DIR/instructions.json instead of the stack's build directory");

  auto* plan_cmd = r.add(r.app(), "plan", "Show what a deploy would change, changing nothing",
                         [a](Context& c) { return plan(c, *a); });
  file_opt(plan_cmd);
  r.json_flag(plan_cmd);
}

}  // namespace quarry
