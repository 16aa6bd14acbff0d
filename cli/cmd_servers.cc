// The cluster's servers and its grid: servers [add|rm|trust], grid, cluster down.
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <iostream>
#include <thread>

#include "cli/cluster.h"
#include "cli/command.h"
#include "cli/fleet_preview.h"
#include "cli/server_source.h"
#include "cloud/fleet_cost.h"
#include "cloud/server_names.h"
#include "cloud/local_provider.h"
#include "control/server_resize.h"
#include "core/log.h"
#include "core/text.h"
#include "store/grid_store.h"
#include "grid/grid_json.h"
#include "grid/grid_picture.h"
#include "launcher/parallel.h"

namespace quarry {

Status list_servers(Context& ctx);  // cmd_state.cc

namespace {

struct AddArgs {
  std::string cloud;
  int memory = 2048;
  double cpu = 2;
  int count = 1;
  std::string role;
  std::string name;
  std::string address;  // a server made elsewhere
  int port = 22;
  std::string user = "root";
  bool trust = false;
  std::string size;     // a provider size slug
};

Status add_servers(Context& ctx, const AddArgs& a) {
  Cluster cluster(ctx);
  auto placer = cluster.placer();
  if (!placer) return std::unexpected(placer.error());
  std::vector<std::string> tags;
  if (!a.role.empty()) tags.push_back("role=" + a.role);
  if (!a.address.empty()) {
    if (!a.trust) {
      return fail("a server added by address needs --trust: quarry pins its host key at first contact", ErrorKind::Usage);
    }
    ServerRecord r;
    r.id = a.name.empty() ? "m-" + a.address : a.name;
    for (auto& c : r.id) c = (c == '.' || c == ':') ? '-' : c;
    r.name = r.id;
    r.provider = "manual";
    r.ip = a.address;
    r.ssh_port = a.port;
    r.ssh_user = a.user;
    r.memory_mb = a.memory;
    r.cpu = a.cpu;
    r.tags = tags;
    r.created_at = static_cast<std::int64_t>(std::time(nullptr));
    if (auto s = cluster.host_keys().trust_next_key(r.id); !s) return s;
    auto sh = cluster.shell();
    if (!sh) return std::unexpected(sh.error());
    auto hello = run_ok(**sh, endpoint_of(r), Command{{"docker", "version", "--format", "{{.Server.Version}}"}, {}, {}, std::chrono::seconds(30), {}});
    if (!hello) return std::unexpected(hello.error().context("server " + r.id + " must accept SSH and run docker"));
    if (auto s = save_server(ctx.store(), r); !s) return s;
    if (auto s = cluster.keep_network(); !s) return s;
    if (auto s = (*placer)->add_server(r); !s) return s;
    std::cout << r.id << "  " << r.ip << "  docker " << trim(hello->out) << "\n";
    return {};
  }
  auto provider = cluster.provider();
  if (!provider) return std::unexpected(provider.error());
  if (!a.cloud.empty() && a.cloud != (*provider)->name())
    return fail("--cloud " + a.cloud + ": etc/cloud.json configures " + (*provider)->name() +
                " (docs/cloud.md says how to set " + a.cloud + " up)", ErrorKind::Usage);
  auto source = cluster.server_source();
  if (!source) return std::unexpected(source.error());
  // Checked before any call: a bad name or tag changes nothing.
  for (const auto& t : tags)
    if (auto s = check_server_tag(t); !s) return s;
  if (!a.name.empty())
    if (auto s = check_server_name(a.count > 1 ? a.name + "-" + std::to_string(a.count) : a.name); !s) return s;
  std::vector<Result<ServerRecord>> made(static_cast<std::size_t>(a.count), fail("not made"));
  parallel_for(made.size(), 8, [&](std::size_t i) {
    ServerSpec spec;
    spec.memory_mb = a.memory;
    spec.cpu = a.cpu;
    spec.tags = tags;
    spec.size = a.size;
    spec.name = a.name.empty() ? "" : (a.count > 1 ? a.name + "-" + std::to_string(i + 1) : a.name);
    made[i] = (*source)->create_spec(spec);
  });
  std::vector<std::string> errors;
  for (auto& m : made) {
    if (!m) {
      errors.push_back(m.error().message);
      continue;
    }
    if (auto s = (*placer)->add_server(*m); !s) errors.push_back(s.error().message);
    else std::cout << m->id << "  " << m->ip << "  " << m->memory_mb << "M  " << join(m->tags, ",") << "\n";
  }
  if (!errors.empty()) return fail_remote(join(errors, "\n"));
  return {};
}

Status remove_server_cmd(Context& ctx, const std::string& id, bool force) {
  Cluster cluster(ctx);
  auto server = load_server(ctx.store(), id);
  if (!server) return std::unexpected(server.error());
  if (!*server) return fail("unknown server '" + id + "' (see quarry servers)");
  auto placer = cluster.placer();
  if (!placer) return std::unexpected(placer.error());
  auto drained = (*placer)->remove_server(id, force);
  if (!drained) {
    return fail(drained.error().message + " (it runs services: move them first, or use --force to drop them)");
  }
  if (!drained->moved.empty() || !drained->pending.empty()) {
    log_info("    its containers go elsewhere on the next deploy of their stacks");
  }
  if ((*server)->provider == "manual") {
    (void)cluster.host_keys().forget(id);
    if (auto s = remove_server(ctx.store(), id); !s) return s;
    return cluster.keep_network();
  }
  auto source = cluster.server_source();
  if (!source) return std::unexpected(source.error());
  return (*source)->destroy(**server);
}

// `quarry servers`: the records (cmd_state.cc), then for a cloud provider
// what is still being made or leaked, and the monthly cost.
Status show_servers(Context& ctx) {
  if (auto s = list_servers(ctx); !s) return s;
  if (ctx.options().json) return {};
  Cluster cluster(ctx);
  auto source = cluster.server_source();
  if (!source) return std::unexpected(source.error());
  auto provider = cluster.provider();
  if (!provider || (*provider)->name() == "local") return {};
  StoreServerLedger ledger(ctx.store(), cluster.host_keys());
  if (auto entries = ledger.entries())
    for (const auto& e : *entries)
      std::cout << e.state << "  " << (e.server.id.empty() ? e.token : e.server.id) << "  " << e.server.name
                << (e.note.empty() ? "" : "  (" + e.note + ")") << "\n";
  auto servers = ledger.ready();
  auto prices = (*provider)->sizes();
  if (!servers || !prices) {
    std::cout << "monthly cost: unknown (" << (prices ? servers.error().message : prices.error().message) << ")\n";
    return {};
  }
  std::vector<Server> mine;
  for (const auto& sv : *servers)
    if (sv.provider == (*provider)->name()) mine.push_back(sv);
  auto cost = cost_change(*prices, {}, mine);
  std::cout << "monthly cost: " << format_usd(-cost.delta_usd) << " for " << mine.size() << " "
            << (*provider)->name() << " server(s)" << (cost.complete ? "" : " (some prices unknown)") << "\n";
  // What the grid itself still wants, before any deploy: servers for slices
  // waiting on one, and empty servers it gives back once idle.
  auto pending = preview_fleet(ctx, FleetInput{});
  if (!pending) return std::unexpected(pending.error());
  std::cout << render_fleet_preview(*pending, "the grid's own changes, without a deploy:");
  return {};
}

void print_servers(const char* what, const std::vector<Server>& servers) {
  for (const auto& s : servers) std::cout << what << "  " << s.id << "  " << s.name << "  " << s.ip << "\n";
}

Status gc_servers(Context& ctx, bool dry_run, bool destroy_unknown) {
  Cluster cluster(ctx);
  auto source = cluster.server_source();
  if (!source) return std::unexpected(source.error());
  const bool give_back = destroy_unknown || (*source)->fleet().options().destroy_unknown;
  auto report = (*source)->fleet().audit(dry_run, give_back);
  if (!report) return std::unexpected(report.error());
  print_servers(dry_run ? "would adopt" : "adopted", report->adopted);
  for (const auto& t : report->dropped) std::cout << (dry_run ? "would drop" : "dropped") << "  create " << t << " (never made)\n";
  print_servers("unknown", report->unknown);
  print_servers(dry_run ? "would destroy" : "destroyed", report->destroyed);
  print_servers("gone", report->gone);
  if (!report->unknown.empty() && !give_back)
    std::cout << report->unknown.size() << " server(s) carry this cluster's tag but no record: "
              << "quarry servers gc --destroy-unknown gives them back\n";
  if (!report->problems.empty()) return fail_remote(join(report->problems, "\n"));
  if (report->adopted.empty() && report->dropped.empty() && report->unknown.empty() && report->destroyed.empty() &&
      report->gone.empty())
    std::cout << "no leaks: the provider's servers match the records\n";
  return {};
}

struct ResizeArgs {
  std::string id;
  std::string size;     // a slug; empty: the cheapest with memory and cpu
  int memory = 0;
  double cpu = 0;
  int drain_ms = 2000;
};

// The size a resize asks for, from the provider's list.
Result<SizePrice> resize_target(const std::vector<SizePrice>& sizes, const ResizeArgs& a, const std::string& provider) {
  if (!a.size.empty()) {
    for (const auto& p : sizes)
      if (p.slug == a.size) return p;
    return fail("unknown size '" + a.size + "' for " + provider, ErrorKind::Usage);
  }
  if (a.memory <= 0 && a.cpu <= 0) return fail("give --size SLUG, or --memory MB and/or --cpu CORES", ErrorKind::Usage);
  auto best = smallest_size(sizes, a.memory, a.cpu);
  if (!best)
    return fail(provider + " has no size with " + std::to_string(a.memory) + " MB and " + std::to_string(a.cpu) + " cpu",
                ErrorKind::Usage);
  return *best;
}

// Drains the server's nodes through the grid, resizes it through its
// provider, and gives the grid its new size (control/server_resize.h).
Status resize_server_cmd(Context& ctx, const ResizeArgs& a) {
  Cluster cluster(ctx);
  auto server = load_server(ctx.store(), a.id);
  if (!server) return std::unexpected(server.error());
  if (!*server) return fail("unknown server '" + a.id + "' (see quarry servers)");
  auto provider = cluster.provider();
  if (!provider) return std::unexpected(provider.error());
  if ((*server)->provider != (*provider)->name())
    return fail("server " + a.id + " belongs to " + (*server)->provider + ", not the configured " + (*provider)->name());
  auto sizes = (*provider)->sizes();
  if (!sizes) return std::unexpected(sizes.error());
  auto wanted = resize_target(*sizes, a, (*provider)->name());
  if (!wanted) return std::unexpected(wanted.error());
  auto env = cluster.control_env();
  if (!env) return std::unexpected(env.error());
  auto placer = cluster.placer();
  if (!placer) return std::unexpected(placer.error());
  auto grid = (*placer)->state();
  if (!grid) return std::unexpected(grid.error());
  // Images are shipped from the HQ's engine only when nodes must move.
  ImageShipper* shipper = nullptr;
  for (const auto& b : grid->blocks)
    if (b.block.id == a.id && std::any_of(b.slices.begin(), b.slices.end(), [](const Slice& s) { return !s.is_service; })) {
      auto sh = cluster.shipper();
      if (!sh) return std::unexpected(sh.error());
      shipper = *sh;
    }
  LaunchOptions base;
  base.drain_ms = a.drain_ms;
  auto options = cluster.launch_options(base);
  if (!options) return std::unexpected(options.error());
  Provider* cloud = *provider;
  ServerResizer resizer(
      *env, **placer, shipper, *options,
      [&](const ServerRecord& rec, const std::string& size) -> Result<ServerRecord> {
        Step step("resize server " + rec.id + " to " + size);
        auto resized = cloud->resize(server_of(rec), size);
        if (!resized) {
          step.failed(resized.error().message);
          return std::unexpected(resized.error());
        }
        step.done();
        ServerRecord out = rec;
        if (!resized->ip.empty()) out.ip = resized->ip;
        return out;
      },
      [](int ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); });
  auto report = resizer.resize(**server, ResizeTarget{wanted->slug, wanted->memory_mb, wanted->cpu});
  if (!report) return std::unexpected(report.error());
  for (const auto& m : report->moved) std::cout << "moved  " << m << "\n";
  for (const auto& r : report->restarted) std::cout << "started again  " << r << "\n";
  for (const auto& p : report->problems) log_warn(p);
  // A new address (EC2 gives one on start) goes into locknet and the hosts.
  if (report->server.ip != (*server)->ip)
    if (auto s = cluster.keep_network(); !s) return s;
  std::cout << a.id << "  " << wanted->slug << "  " << wanted->memory_mb << " MB  "
            << (wanted->monthly_usd > 0 ? format_usd(wanted->monthly_usd) + "/month" : "price unknown") << "\n";
  return {};
}

Status trust_server(Context& ctx, const std::string& id) {
  auto server = load_server(ctx.store(), id);
  if (!server) return std::unexpected(server.error());
  if (!*server) return fail("unknown server '" + id + "'");
  Cluster cluster(ctx);
  if (auto s = cluster.host_keys().trust_next_key(id); !s) return s;
  std::cout << "the next host key " << id << " presents will be pinned\n";
  return {};
}

Status show_grid(Context& ctx) {
  auto state = load_grid(ctx.store(), kGridKey);
  if (!state) return std::unexpected(state.error());
  if (ctx.options().json) {
    std::cout << grid_to_json(*state);
    return {};
  }
  PictureOptions o;
  winsize w{};
  if (isatty(1) && ioctl(1, TIOCGWINSZ, &w) == 0 && w.ws_col > 0) o.width = w.ws_col;
  std::cout << render_grid_picture(*state, o);
  return {};
}

Status cluster_down(Context& ctx) {
  Cluster cluster(ctx);
  auto local = cluster.local_provider();
  if (!local) return std::unexpected(local.error());
  Step step("remove every local server and what it made");
  if (auto s = (*local)->destroy_all(); !s) return s;
  auto servers = load_servers(ctx.store());
  if (servers) {
    for (const auto& s : *servers) {
      if (s.provider != "local") continue;
      (void)cluster.host_keys().forget(s.id);
      (void)remove_server(ctx.store(), s.id);
    }
  }
  // The books of what ran there are void now.
  if (auto stacks = list_stacks(ctx.store())) {
    for (const auto& stack : *stacks) {
      (void)save_containers(ctx.store(), stack, {});
    }
  }
  (void)ctx.store().remove("grid/grid.json");
  step.done();
  Step engine("stop the HQ build engine");
  return cluster.stop_engine();
}

}  // namespace

void register_server_commands(Registry& r) {
  auto* servers = r.add(r.app(), "servers", "List the cluster's servers; add, remove or trust one",
                        [](Context& c) { return show_servers(c); });
  r.json_flag(servers);
  auto a = std::make_shared<AddArgs>();
  auto* add = r.add(*servers, "add", "Make servers with a cloud provider, or add one by address",
                    [a](Context& c) { return add_servers(c, *a); });
  add->add_option("--cloud", a->cloud, "Provider (default: etc/cloud.json, else local)");
  add->add_option("--memory", a->memory, "Memory in MB (default 2048)");
  add->add_option("--cpu", a->cpu, "Cores (default 2)");
  add->add_option("-n,--count", a->count, "How many (default 1)")->check(CLI::Range(1, 50));
  add->add_option("--role", a->role, "Role tag, e.g. router");
  add->add_option("--name", a->name, "Name (default: the provider's)");
  add->add_option("--address", a->address, "Add an existing server at this address instead");
  add->add_option("--port", a->port, "Its SSH port");
  add->add_option("--user", a->user, "Its SSH user");
  add->add_flag("--trust", a->trust, "Pin the host key the server presents at first contact");
  add->add_option("--size", a->size, "Provider size slug (default: the smallest with --memory and --cpu)");
  auto dry = std::make_shared<bool>(false);
  auto destroy_unknown = std::make_shared<bool>(false);
  auto* gc = r.add(*servers, "gc", "Find servers the provider bills but quarry does not record, and the reverse",
                   [dry, destroy_unknown](Context& c) { return gc_servers(c, *dry, *destroy_unknown); });
  gc->add_flag("--dry-run", *dry, "Report only; change nothing");
  gc->add_flag("--destroy-unknown", *destroy_unknown, "Also give back servers with the cluster's tag and no record");
  auto ra = std::make_shared<ResizeArgs>();
  auto* resize = r.add(*servers, "resize", "Move a server's nodes elsewhere, change its size through its provider, use it again",
                       [ra](Context& c) { return resize_server_cmd(c, *ra); });
  resize->add_option("id", ra->id, "Server id")->required();
  resize->add_option("--size", ra->size, "The new size slug (see the provider's sizes)");
  resize->add_option("--memory", ra->memory, "Else: the cheapest size with this much memory (MB)...");
  resize->add_option("--cpu", ra->cpu, "...and this many cores");
  resize->add_option("--drain", ra->drain_ms, "Milliseconds between the router switch and stopping a moved replica");
  auto id = std::make_shared<std::string>();
  auto force = std::make_shared<bool>(false);
  auto* rm = r.add(*servers, "rm", "Drain a server and give it back", [id, force](Context& c) {
    return remove_server_cmd(c, *id, *force);
  });
  rm->add_option("id", *id, "Server id")->required();
  rm->add_flag("--force", *force, "Also drop the services it runs");
  auto* trust = r.add(*servers, "trust", "Accept a server's new host key (after it was rebuilt)",
                      [id](Context& c) { return trust_server(c, *id); });
  trust->add_option("id", *id, "Server id")->required();

  auto* grid = r.add(r.app(), "grid", "Draw how containers are packed onto servers",
                     [](Context& c) { return show_grid(c); });
  r.json_flag(grid);
  auto* cluster = r.app().add_subcommand("cluster", "The local development cluster");
  r.add(*cluster, "down", "Remove every local server, its containers and network, and stop the build engine",
        [](Context& c) { return cluster_down(c); });
}

}  // namespace quarry
