#include "launcher/local_run.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <thread>

#include "compiler/stack_json.h"
#include "compiler/stop_settings.h"
#include "core/file_io.h"
#include "core/log.h"
#include "core/text.h"
#include "launcher/deployer.h"
#include "launcher/launcher.h"
#include "launcher/local_placer.h"
#include "launcher/parallel.h"
#include "launcher/phase_timings.h"
#include "launcher/reconcile.h"

namespace quarry {

namespace {

const Endpoint kLocal{kLocalServer, "127.0.0.1", 0, ""};
constexpr const char* kStateKey = "run/state.json";
constexpr const char* kFingerprintsKey = "run/fingerprints.json";

Command docker(Argv argv, std::chrono::milliseconds timeout = std::chrono::seconds(60)) {
  return Command{std::move(argv), {}, {}, timeout, {}};
}

}  // namespace

std::string local_root(const std::string& home, const std::string& stack) { return home + "/local/" + stack; }

std::vector<std::string> local_stacks(const std::string& home) {
  std::vector<std::string> out;
  for (const auto& name : list_dir(home + "/local")) {
    if (is_directory(home + "/local/" + name + "/stacks/" + name)) out.push_back(name);
  }
  return out;
}

std::string local_network(const std::string& stack) { return "quarry-" + stack; }

Result<Stack> select_processes(const Stack& stack, const std::vector<std::string>& nodes) {
  if (nodes.empty()) return stack;
  std::map<std::string, const Process*> by_name;
  std::vector<std::string> names;
  for (const auto* group : {&stack.services, &stack.nodes}) {
    for (const auto& p : *group) {
      by_name[p.name] = &p;
      names.push_back(p.name);
    }
  }
  std::set<std::string> keep;
  std::vector<std::string> todo;
  for (const auto& n : nodes) {
    if (!by_name.count(n)) {
      auto near = nearest(n, names);
      return fail("stack " + stack.name + " has no node or service '" + n + "'" +
                  (near ? " (did you mean " + *near + "?)" : ""));
    }
    todo.push_back(n);
  }
  while (!todo.empty()) {
    auto n = todo.back();
    todo.pop_back();
    if (!keep.insert(n).second) continue;
    for (const auto& d : by_name[n]->depends_on) todo.push_back(d);
  }
  Stack out = stack;
  std::erase_if(out.services, [&](const Process& p) { return !keep.count(p.name); });
  std::erase_if(out.nodes, [&](const Process& p) { return !keep.count(p.name); });
  return out;
}

Status apply_scale_overrides(Stack& stack, const std::vector<std::string>& assignments) {
  for (const auto& a : assignments) {
    auto eq = a.find('=');
    std::string count = eq == std::string::npos ? "" : a.substr(eq + 1);
    bool digits = !count.empty() && count.size() <= 4 &&
                  std::all_of(count.begin(), count.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (eq == std::string::npos || eq == 0 || !digits) {
      return fail("--scale expects NODE=N with N a whole number, e.g. web=3 (got '" + a + "')", ErrorKind::Usage);
    }
    std::string name = a.substr(0, eq);
    auto it = std::find_if(stack.nodes.begin(), stack.nodes.end(), [&](const Process& p) { return p.name == name; });
    if (it == stack.nodes.end()) {
      std::vector<std::string> names;
      for (const auto& p : stack.nodes) names.push_back(p.name);
      auto near = nearest(name, names);
      return fail("--scale " + a + ": stack " + stack.name + " has no node '" + name + "'" +
                  (near ? " (did you mean " + *near + "?)" : " (services are not scaled)"));
    }
    it->scale = std::stoi(count);
  }
  return {};
}

std::string fingerprint(const Instruction& in, const std::string& image_id, int scale) {
  nlohmann::json j = {{"process", process_to_json(in.process)},
                      {"links", in.links},
                      {"image", image_id},
                      {"scale", scale}};
  return sha256_hex(j.dump());
}

std::map<std::string, std::string> fingerprints(const InstructionList& list,
                                                const std::map<std::string, BuiltImage>& images) {
  std::map<std::string, int> scale;
  for (const auto& in : list.instructions) {
    if (in.op == Op::Scale) scale[in.target] = in.scale;
  }
  std::map<std::string, std::string> out;
  for (const auto& in : list.instructions) {
    if (in.op != Op::Ensure && in.op != Op::Deploy) continue;
    auto img = images.find(in.target);
    if (img == images.end()) continue;
    int n = in.op == Op::Ensure ? 1 : scale.count(in.target) ? scale[in.target] : in.process.scale;
    out[in.target] = fingerprint(in, img->second.id, n);
  }
  return out;
}

ChangePlan plan_changes(const std::map<std::string, std::string>& before,
                        const std::map<std::string, std::string>& now, const std::set<std::string>& running,
                        const std::set<std::string>& services) {
  ChangePlan plan;
  std::set<std::string> same_nodes;
  for (const auto& [name, print] : now) {
    auto it = before.find(name);
    if (it == before.end() || !running.count(name)) continue;
    bool same = it->second == print;
    if (services.count(name)) {
      if (!same) plan.restart_services.insert(name);
    } else if (same) {
      same_nodes.insert(name);
    }
  }
  if (plan.restart_services.empty()) plan.keep_nodes = std::move(same_nodes);
  return plan;
}

int first_free_port(int from, const std::function<bool(int)>& is_free, int span) {
  for (int p = std::max(from, 1); p < from + span && p <= 65535; ++p) {
    if (is_free(p)) return p;
  }
  return 0;
}

bool port_is_free(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  close(fd);
  return ok;
}

std::string log_prefix(const std::string& name, std::size_t color_index, bool color, std::size_t width) {
  static const char* const kColors[] = {"36", "33", "32", "35", "34", "31"};
  std::string padded = name;
  if (padded.size() < width) padded.append(width - padded.size(), ' ');
  if (!color) return padded + " | ";
  return std::string("\x1b[") + kColors[color_index % 6] + "m" + padded + " |\x1b[0m ";
}

void LineSplitter::feed(std::string_view chunk) {
  partial_.append(chunk);
  std::size_t start = 0, nl;
  while ((nl = partial_.find('\n', start)) != std::string::npos) {
    std::string_view line(partial_.data() + start, nl - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    emit_(line);
    start = nl + 1;
  }
  partial_.erase(0, start);
}

void LineSplitter::flush() {
  if (!partial_.empty()) emit_(partial_);
  partial_.clear();
}

Result<std::optional<LocalState>> load_local_state(Store& store) {
  auto text = store.get(kStateKey);
  if (!text) return std::unexpected(text.error());
  if (!*text) return std::optional<LocalState>{};
  auto j = nlohmann::json::parse(**text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return fail(store.locate(kStateKey) + ": not a JSON object");
  LocalState s;
  s.stack = j.value("stack", "");
  s.network = j.value("network", "");
  s.entry_port = j.value("entry_port", 0);
  s.pid = j.value("pid", 0);
  if (j.contains("domains") && j["domains"].is_array()) {
    for (const auto& d : j["domains"]) {
      if (d.is_string()) s.domains.push_back(d.get<std::string>());
    }
  }
  return std::optional<LocalState>(s);
}

Status save_local_state(Store& store, const LocalState& s) {
  nlohmann::json j = {{"stack", s.stack}, {"network", s.network}, {"entry_port", s.entry_port},
                      {"pid", s.pid}, {"domains", s.domains}};
  return store.put(kStateKey, j.dump(2) + "\n");
}

Status save_local_server(Store& store) {
  auto now = local_server_record();
  auto known = load_server(store, now.id);
  if (!known) return std::unexpected(known.error());
  if (*known) {
    now.created_at = (*known)->created_at;
    if (to_json(now) == to_json(**known)) return {};
  }
  return save_server(store, now);
}

ServerRecord local_server_record() {
  auto machine = machine_resources();
  ServerRecord s;
  s.id = kLocalServer;
  s.name = "this machine";
  s.provider = "local";
  s.ip = "127.0.0.1";
  s.ssh_port = 0;
  s.ssh_user = "";
  s.memory_mb = static_cast<int>(machine.memory_mb);
  s.cpu = static_cast<double>(machine.cpu_millis) / 1000.0;
  s.created_at = static_cast<std::int64_t>(std::time(nullptr));
  return s;
}

Status LocalRunner::check_engine() {
  const char* host = std::getenv("DOCKER_HOST");
  std::string where = host && *host ? std::string(host) : "unix:///var/run/docker.sock";
  auto span = timed(timings_, Phase::Engine);
  auto r = engine_.run(kLocal, docker({"docker", "version", "--format", "{{.Server.Version}}"}, std::chrono::seconds(15)));
  engine_down_ = !r || !r->ok() || trim(r->out).empty();
  if (!r || r->exit_code == 127) {
    return fail_remote("docker is not installed (no `docker` on PATH): install it (apt-get install docker.io) and run again");
  }
  if (!r->ok() || trim(r->out).empty()) {
    return fail_remote("the docker engine is not running (" + where +
                       "): start it (`service docker start`, or `dockerd &`) or point DOCKER_HOST at a running one");
  }
  return {};
}

Error LocalRunner::explain(Error error) {
  if (auto engine = check_engine(); !engine) return engine.error();
  return error;
}

// One command: create it, and take "already exists" for success (a re-run).
Status LocalRunner::ensure_network(const std::string& stack) {
  auto name = local_network(stack);
  auto span = timed(timings_, Phase::Network);
  auto made = engine_.run(kLocal, docker(docker_network_create(name, {{"quarry.stack", stack}})));
  if (!made) return std::unexpected(made.error().context("network " + name));
  if (made->ok() || made->err.find("already exists") != std::string::npos) return {};
  return fail_remote("network " + name + " could not be made: " + last_line(made->err + made->out));
}

Status LocalRunner::restart_services(const std::string& stack, const std::set<std::string>& services) {
  if (services.empty()) return {};
  auto recs = load_containers(store_, stack);
  if (!recs) return std::unexpected(recs.error());
  std::vector<ContainerRecord> keep;
  for (const auto& r : *recs) {
    if (!r.service || !services.count(r.node)) {
      keep.push_back(r);
      continue;
    }
    Step step("restart service " + r.node + " (its image or config changed; its volumes are kept)");
    if (auto s = remove_container(engine_, kLocal, container_ref(r), options_.stop_grace_s); !s) {
      step.failed(s.error().message);
      return s;
    }
  }
  return save_containers(store_, stack, keep);
}

Result<LocalRunResult> LocalRunner::up(const LocalRunRequest& req) {
  auto out = launch(req);
  if (!out) return std::unexpected(explain(out.error()));
  return out;
}

Status LocalRunner::prepare(const LocalRunRequest& req, Placer& placer, std::map<std::string, BuiltImage>& images,
                            std::set<std::string>& earlier_services) {
  const std::string& stack = req.stack.name;
  // The network, the images and the books' check need nothing of each
  // other: all three at once.
  Status done[3];
  parallel_for(3, 3, [&](std::size_t k) {
    if (k == 0) {
      done[0] = ensure_network(stack);
    } else if (k == 1) {
      auto built = build_images(req);
      if (built) images = std::move(*built);
      else done[1] = std::unexpected(built.error());
    } else {
      // Containers removed by hand (or a run that died half-way) are dropped
      // from the books, so that the launch starts them again.
      auto span = timed(timings_, Phase::Reconcile);
      auto report = reconcile(store_, engine_, placer, stack, {local_server_record()});
      if (!report) done[2] = std::unexpected(report.error());
      else earlier_services = report->service_containers;
    }
  });
  for (auto& s : done) {
    if (!s) return s;
  }
  return {};
}

Result<LocalRunResult> LocalRunner::launch(const LocalRunRequest& req) {
  const std::string& stack = req.stack.name;
  auto lock = store_.lock("stacks/" + stack + "/deploy", "quarry run of " + stack + " (pid " + std::to_string(getpid()) + ")",
                          std::chrono::minutes(5),
                          [](const std::string& who) { log_info("==> waiting for the stack's lock, held by: " + who); });
  if (!lock) return std::unexpected(lock.error());
  if (auto s = save_local_server(store_); !s) return std::unexpected(s.error());
  LocalPlacer placer;
  std::map<std::string, BuiltImage> built;
  std::set<std::string> earlier_services;
  if (auto s = prepare(req, placer, built, earlier_services); !s) return std::unexpected(s.error());
  const auto* images = &built;
  auto list = compile_for_store(store_, req.stack);
  if (!list) return std::unexpected(list.error());

  auto now = fingerprints(*list, *images);
  std::map<std::string, std::string> before;
  if (auto text = store_.get(kFingerprintsKey); text && *text) {
    auto j = nlohmann::json::parse(**text, nullptr, false);
    if (j.is_object()) {
      for (const auto& [k, v] : j.items()) {
        if (v.is_string()) before[k] = v.get<std::string>();
      }
    }
  }
  auto recs = load_containers(store_, stack);
  if (!recs) return std::unexpected(recs.error());
  std::set<std::string> running, services;
  for (const auto& r : *recs) running.insert(r.node);
  for (const auto& p : req.stack.services) services.insert(p.name);
  auto plan = plan_changes(before, now, running, services);
  if (auto s = restart_services(stack, plan.restart_services); !s) return std::unexpected(s.error());
  // Nothing is kept until the run succeeds: a failed run replaces everything next time.
  if (auto s = store_.remove(kFingerprintsKey); !s) return std::unexpected(s.error());

  auto releases = load_releases(store_, stack);
  if (!releases) return std::unexpected(releases.error());
  ReleaseRecord rec;
  rec.number = releases->empty() ? 1 : releases->back().number + 1;
  rec.stack = stack;
  for (const auto& [p, img] : *images) rec.images[p] = img.id;
  rec.manifest_hash = req.stack.manifest_hash;
  rec.created_at = static_cast<std::int64_t>(std::time(nullptr));
  rec.by = "quarry run";
  rec.status = "deploying";
  if (auto s = save_release(store_, rec); !s) return std::unexpected(s.error());

  LaunchOptions options = options_;
  options.keep_nodes = plan.keep_nodes;
  // The books are written once, after the launch, instead of once per
  // container (each write is synced to disk): nothing reads them during a
  // local launch but the entry point, so only a stack without one. A run
  // that dies before the write leaves containers the books do not know,
  // which the next run's check and `quarry stop` find by their labels.
  options.batch_records = router_ == nullptr;
  // A service the check saw no container of has none to take volumes from.
  options.earlier_services = earlier_services;
  LaunchDeps deps;
  deps.store = &store_;
  deps.shell = &engine_;
  deps.placer = &placer;
  deps.router = router_;
  deps.timings = timings_;
  Launcher launcher(deps, options);
  auto st = launcher.execute(*list, rec.number, *images);
  if (auto flushed = launcher.flush_records(); !flushed) return std::unexpected(flushed.error());
  rec.status = st ? "deployed" : "failed";
  if (auto s = save_release(store_, rec); !s) return std::unexpected(s.error());
  if (!st) return std::unexpected(st.error());
  nlohmann::json prints(now);
  if (auto s = store_.put(kFingerprintsKey, prints.dump(2) + "\n"); !s) return std::unexpected(s.error());

  LocalRunResult out;
  out.release = rec.number;
  out.kept = options.keep_nodes;
  auto after = load_containers(store_, stack);
  if (!after) return std::unexpected(after.error());
  out.containers = std::move(*after);
  return out;
}

// Two docker calls for the whole stack, not two per container: the docker
// client stops (and removes) the containers it is given in parallel.
Status LocalRunner::remove_stack_containers(const std::string& stack, bool force) {
  auto recs = load_containers(store_, stack);
  if (!recs) return std::unexpected(recs.error());
  std::vector<std::string> names;
  for (const auto& r : *recs) names.push_back(container_ref(r));
  // Containers of the stack the books lost (an interrupted run): by label and network.
  // By full id, as the books name them (container_ref), so that a container
  // is given once (docker refuses to remove one container twice in a call).
  auto strays = engine_.run(kLocal, docker({"docker", "ps", "--all", "--no-trunc", "--format", "{{.ID}}", "--filter",
                                            "label=quarry.stack=" + stack, "--filter", "network=" + local_network(stack)}));
  if (!strays) return std::unexpected(strays.error());
  if (!strays->ok()) return fail_remote("docker ps: " + last_line(strays->err));
  {
    for (const auto& line : split_lines(strays->out)) {
      auto name = trim(line);
      if (!name.empty() && std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
    }
  }
  if (names.empty()) return {};
  if (!force) {
    int grace = options_.stop_grace_s;
    Argv stop = docker_stop("", std::chrono::seconds(grace));
    stop.pop_back();
    stop.insert(stop.end(), names.begin(), names.end());
    auto wait = std::chrono::seconds((grace < 0 ? kMaxStopTimeoutS : grace) + 60);
    auto span = timed(timings_, Phase::Stop);
    auto stopped = engine_.run(kLocal, docker(stop, wait));
    if (!stopped) return std::unexpected(stopped.error());
  }
  Argv rm = docker_rm("", true);
  rm.pop_back();
  rm.insert(rm.end(), names.begin(), names.end());
  auto span = timed(timings_, Phase::Remove);
  auto removed = engine_.run(kLocal, docker(rm, std::chrono::minutes(2)));
  span.end();
  if (!removed) return std::unexpected(removed.error());
  if (!removed->ok()) {
    for (const auto& line : split_lines(removed->err)) {
      if (!trim(line).empty() && line.find("No such container") == std::string::npos &&
          line.find("already in progress") == std::string::npos) {
        return fail_remote("docker rm: " + trim(line));
      }
    }
  }
  return {};
}

Status LocalRunner::down(const std::string& stack, bool force) {
  auto done = take_down(stack, force);
  if (!done) return std::unexpected(explain(done.error()));
  return done;
}

Status LocalRunner::take_down(const std::string& stack, bool force) {
  auto lock = store_.lock("stacks/" + stack + "/down", "quarry stop of " + stack, std::chrono::minutes(2));
  if (!lock) return std::unexpected(lock.error());
  if (auto s = remove_stack_containers(stack, force); !s) return s;
  if (auto s = save_containers(store_, stack, {}); !s) return s;
  auto routes = load_routes(store_, stack);
  if (!routes) return std::unexpected(routes.error());
  if (!routes->empty()) {
    if (auto s = save_routes(store_, stack, {}); !s) return s;
  }
  if (auto s = store_.remove(kFingerprintsKey); !s) return s;
  auto span = timed(timings_, Phase::Network);
  auto net = engine_.run(kLocal, docker(docker_network_rm(local_network(stack))));
  span.end();
  if (!net) return std::unexpected(net.error());
  if (!net->ok() && net->err.find("No such network") == std::string::npos &&
      net->err.find("not found") == std::string::npos) {
    return fail_remote("network " + local_network(stack) + " could not be removed: " + last_line(net->err));
  }
  if (!options_.env_dir.empty()) (void)remove_all(options_.env_dir);
  return {};
}

void LocalRunner::follow_logs(const std::vector<ContainerRecord>& containers, bool color) {
  std::vector<std::string> labels;
  std::size_t width = 0;
  for (const auto& c : containers) {
    labels.push_back(c.service ? c.node : c.node + "." + std::to_string(c.index));
    width = std::max(width, labels.back().size());
  }
  std::mutex out_mu;
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < containers.size(); ++i) {
    threads.emplace_back([&, i] {
      std::string prefix = log_prefix(labels[i], i, color, width);
      auto emit = [&](std::string_view line) {
        std::lock_guard lock(out_mu);
        std::string text = prefix + std::string(line) + "\n";
        std::fwrite(text.data(), 1, text.size(), stdout);
        std::fflush(stdout);
      };
      LineSplitter out(emit), err(emit);
      LogsOptions o;
      o.follow = true;
      Command c = docker(docker_logs(container_ref(containers[i]), o), std::chrono::hours(24 * 365));
      c.on_output = [&](bool is_stdout, std::string_view chunk) { (is_stdout ? out : err).feed(chunk); };
      (void)engine_.run(kLocal, c);
      out.flush();
      err.flush();
    });
  }
  for (auto& t : threads) t.join();
}

}  // namespace quarry
