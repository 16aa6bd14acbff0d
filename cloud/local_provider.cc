#include "cloud/local_provider.h"

#include <pwd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <nlohmann/json.hpp>

#include <thread>

#include "cloud/cloud_init.h"
#include "cloud/local_host.h"
#include "cloud/local_network.h"
#include "cloud/waiting.h"
#include "core/file_io.h"
#include "core/log.h"
#include "core/subprocess.h"
#include "core/text.h"

namespace quarry {

namespace {

using Clock = std::chrono::steady_clock;

std::string tail(const std::string& path, std::size_t lines) {
  auto text = read_file(path);
  if (!text) return "";
  auto all = split_lines(*text);
  if (all.size() > lines) all.erase(all.begin(), all.end() - static_cast<long>(lines));
  return join(all, "\n");
}

Error with_log(Error e, const std::string& what, const std::string& log) {
  auto t = tail(log, 8);
  if (!t.empty()) e.message += "\n" + what + " log (" + log + "):\n" + t;
  return e;
}

// The second field of an OpenSSH public key line: the base64 key blob.
std::string key_blob(const std::string& line) {
  auto fields = split(trim(line), ' ');
  return fields.size() >= 2 ? fields[1] : "";
}

// A global lock for choosing subnets: clusters with different state
// directories must not pick the same 10.77.X.0/24 at the same moment.
constexpr const char* kNetLock = "/run/quarry-cloud-local.lock";

// One file per live cluster, named by its id and holding its state_dir, so
// that scripts/cluster-clean can tell a cluster whose home was deleted from
// one still in use.
constexpr const char* kRegistryDir = "/run/quarry-cloud-local";

}  // namespace

namespace {

// The subnet octet recorded in <state_dir>/cluster.json, or 0.
int recorded_octet(const std::string& state_dir) {
  auto text = read_file(state_dir + "/cluster.json");
  if (!text) return 0;
  try {
    auto j = nlohmann::json::parse(*text);
    return j.value("subnet_octet", 0);
  } catch (const nlohmann::json::exception&) {
    return 0;  // a damaged file is rewritten by the next create()
  }
}

}  // namespace

LocalProvider::LocalProvider(LocalCloudConfig config) : config_(std::move(config)) {
  names_.cluster_id = config_.cluster_id;
  names_.octet = config_.subnet_octet;
  if (int recorded = recorded_octet(config_.state_dir)) names_.octet = recorded;
}

LocalNames LocalProvider::names() const {
  std::lock_guard g(mu_);
  return names_;
}

LocalServerPaths LocalProvider::paths(int index) const {
  return {config_.state_dir + "/servers/" + names_.netns(index)};
}

std::string LocalProvider::record_path(int index) const {
  return config_.state_dir + "/servers/" + names_.netns(index) + ".json";
}

Result<FileLock> LocalProvider::lock() const {
  if (auto s = make_dirs(config_.state_dir, 0755); !s) return std::unexpected(s.error());
  return FileLock::acquire(config_.state_dir + "/lock", "quarry local cloud " + config_.cluster_id,
                           std::chrono::minutes(5));
}

Status LocalProvider::write_record(const LocalServerRecord& r) const {
  return write_file_atomic(record_path(r.index), record_to_json(r), 0644);
}

std::vector<LocalServerRecord> LocalProvider::records() const {
  std::vector<LocalServerRecord> out;
  for (const auto& e : list_dir(config_.state_dir + "/servers")) {
    if (e.size() < 6 || e.substr(e.size() - 5) != ".json") continue;
    auto text = read_file(config_.state_dir + "/servers/" + e);
    if (!text) continue;
    auto r = record_from_json(*text);
    if (r && r->index >= 1 && r->index <= kLocalMaxServers) out.push_back(std::move(*r));
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.index < b.index; });
  return out;
}

Status LocalProvider::prepare_cluster() {
  if (auto s = make_dirs("/run/sshd", 0755); !s) return s;
  auto net_lock = FileLock::acquire(kNetLock, "quarry local cloud " + config_.cluster_id, std::chrono::minutes(2));
  if (!net_lock) return std::unexpected(net_lock.error());
  // Under the lock: the last cluster going down removes the user.
  if (auto s = ensure_ssh_user(config_.ssh_user); !s) return s;
  LocalNames n = names();
  // Another process of the same cluster may have chosen the subnet since
  // this object was made; its choice stands.
  const int recorded = recorded_octet(config_.state_dir);
  if (recorded) n.octet = recorded;
  if (n.octet == 0 || (!link_exists(n.bridge()) && subnet_in_use(n.octet, n.bridge()))) {
    int start = n.octet ? n.octet : default_subnet_octet(n.cluster_id);
    int chosen = 0;
    for (int i = 0; i < 250 && !chosen; ++i) {
      int candidate = 1 + (start - 1 + i) % 250;
      if (!subnet_in_use(candidate, n.bridge())) chosen = candidate;
    }
    if (!chosen) return fail_remote("local cloud: every subnet 10.77.1-250.0/24 is in use");
    n.octet = chosen;
  }
  if (n.octet != recorded) {
    nlohmann::json j = {{"cluster_id", n.cluster_id}, {"subnet_octet", n.octet}};
    if (auto s = write_file_atomic(config_.state_dir + "/cluster.json", j.dump() + "\n"); !s) return s;
  }
  {
    std::lock_guard g(mu_);
    names_.octet = n.octet;
  }
  if (auto s = write_file_atomic(std::string(kRegistryDir) + "/" + n.cluster_id, config_.state_dir + "\n"); !s)
    return s;
  if (auto s = ensure_bridge(n); !s) return s;
  return ensure_forward_rule(n.bridge());
}

Result<LocalServerRecord> LocalProvider::reserve(const ServerSpec& spec) {
  std::vector<bool> used(kLocalMaxServers + 1, false);
  for (const auto& r : records()) used[static_cast<std::size_t>(r.index)] = true;
  // A namespace without a record is a leftover of a crash: skip its index
  // until destroy_all() or cluster-clean removes it.
  LocalNames n = names();
  for (const auto& ns : netns_with_prefix(n.netns_prefix()))
    if (int i = netns_index(n, ns)) used[static_cast<std::size_t>(i)] = true;
  int index = pick_index(n, used, spec.name);
  if (!index) return fail_remote("local cloud: cluster " + n.cluster_id + " already has " +
                                 std::to_string(kLocalMaxServers) + " servers");
  LocalServerRecord r;
  r.index = index;
  r.state = "creating";
  Server& s = r.server;
  s.id = s.provider_ref = n.netns(index);
  s.name = spec.name.empty() ? s.id : spec.name;
  s.provider = "local";
  s.ip = n.ip(index);
  s.ssh_user = config_.ssh_user;
  s.memory_mb = spec.memory_mb;
  s.cpu = spec.cpu;
  s.tags = spec.tags;
  if (auto w = write_record(r); !w) return std::unexpected(w.error());
  return r;
}

Result<Server> LocalProvider::create(const ServerSpec& spec) {
  if (auto s = check_cluster_id(config_.cluster_id); !s) return std::unexpected(s.error());
  if (geteuid() != 0) {
    // A push runs as the HQ's git account: the local grid cannot grow then.
    return fail("local cloud: making a server (a network namespace and its daemons) needs root; "
                "add servers as root with `quarry servers add` before deploying");
  }
  if (admitted_keys(config_.authorized_key, config_.authorized_keys).empty())
    return fail("local cloud: no authorized key is configured");
  if (config_.state_dir.empty() || config_.state_dir[0] != '/')
    return fail("local cloud: state_dir must be an absolute path");
  LocalServerPaths probe{config_.state_dir + "/servers/" + names_.netns(kLocalMaxServers)};
  if (probe.longest_socket().size() > 107)
    return fail("local cloud: state_dir " + config_.state_dir + " is too long for unix socket paths below it");

  LocalServerRecord record;
  LocalNames n;
  {
    // flock conflicts between open file descriptions, so this serializes
    // threads of this process as well as other processes.
    auto held = lock();
    if (!held) return std::unexpected(held.error().context("local cloud"));
    if (auto s = make_dirs(config_.state_dir + "/servers", 0755); !s) return std::unexpected(s.error());
    if (auto s = check_traversable(config_.state_dir); !s) return std::unexpected(s.error());
    if (auto s = prepare_cluster(); !s) return std::unexpected(s.error().context("local cloud"));
    auto reserved = reserve(spec);
    if (!reserved) return std::unexpected(reserved.error());
    record = std::move(*reserved);
    n = names();
  }
  if (auto built = build(record, n); !built) {
    (void)teardown(record.index);
    return std::unexpected(built.error().context("local cloud: server " + record.server.id));
  }
  return record.server;
}

Status LocalProvider::write_keys(const LocalServerPaths& p) const {
  std::string text;
  for (const auto& k : admitted_keys(config_.authorized_key, config_.authorized_keys)) text += k + "\n";
  passwd* pw = getpwnam(config_.ssh_user.c_str());
  if (!pw) return fail("local cloud: no user " + config_.ssh_user);
  if (auto s = make_dirs(p.ssh_dir(), 0700); !s) return s;
  if (auto s = write_file_atomic(p.authorized_keys(), text, 0600); !s) return s;
  for (const auto& f : {p.ssh_dir(), p.authorized_keys()})
    if (chown(f.c_str(), pw->pw_uid, pw->pw_gid) != 0) return fail("local cloud: chown " + f + ": " + std::strerror(errno));
  return {};
}

Status LocalProvider::build(LocalServerRecord& record, const LocalNames& n) {
  const int index = record.index;
  const LocalServerPaths p{config_.state_dir + "/servers/" + n.netns(index)};
  const std::string ns = n.netns(index);
  const auto started = Clock::now();
  auto phase = [&](const char* what) {
    log_debug("local cloud: " + ns + ": " + what + " after " +
              format_duration_ms(std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count()));
  };
  // Leftovers of an earlier crash under the same name go first.
  if (auto s = remove_server_link(n, index); !s) return s;
  if (auto s = remove_all(p.dir); !s) return s;
  if (auto s = make_dirs(p.dir, 0755); !s) return s;
  if (auto s = make_dirs(p.docker_data(), 0710); !s) return s;
  if (auto s = make_dirs(p.docker_exec(), 0700); !s) return s;
  if (auto s = add_server_link(n, index); !s) return s;
  phase("network ready");

  auto dockerd = spawn_daemon({"nsenter", "--net=/run/netns/" + ns, "dockerd", "--data-root", p.docker_data(),
                               "--exec-root", p.docker_exec(), "--pidfile", p.docker_pid(), "-H",
                               "unix://" + p.docker_sock(), "-G", "docker", "--bip", n.docker_bip(index),
                               "--cgroup-parent", "/" + n.cgroup_parent(index)},
                              p.docker_log());
  if (!dockerd) return std::unexpected(dockerd.error());
  if (auto s = write_file_atomic(p.docker_spawned_pid(), std::to_string(*dockerd) + "\n"); !s) return s;

  if (auto s = write_keys(p); !s) return s;
  if (auto r = run_checked({"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", ns, "-f", p.host_key()}); !r)
    return std::unexpected(r.error());
  SshdSettings sshd{n.ip(index), config_.ssh_user, p};
  if (auto s = write_file_atomic(p.sshd_config(), render_sshd_config(sshd), 0644); !s) return s;
  if (auto r = run_checked({"ip", "netns", "exec", ns, "/usr/sbin/sshd", "-f", p.sshd_config(), "-E", p.sshd_log()});
      !r)
    return std::unexpected(with_log(r.error(), "sshd", p.sshd_log()));
  phase("sshd started");

  // Both daemons must answer before the server is handed out.
  auto deadline = Clock::now() + config_.ready_timeout;
  bool ssh_ok = false, docker_ok = false;
  while (!(ssh_ok && docker_ok)) {
    if (!process_alive(*dockerd))
      return std::unexpected(with_log(Error{"dockerd exited during start", ErrorKind::Remote}, "dockerd",
                                      p.docker_log()));
    if (!ssh_ok && (ssh_ok = tcp_accepts(n.ip(index), 22, std::chrono::milliseconds(200)))) phase("sshd answers");
    if (!docker_ok) {
      ProcessOptions o;
      o.timeout = std::chrono::seconds(5);
      auto v = run_process({"docker", "-H", "unix://" + p.docker_sock(), "version", "--format",
                            "{{.Server.Version}}"}, o);
      docker_ok = v && v->ok();
      if (docker_ok) phase("dockerd answers");
    }
    if (ssh_ok && docker_ok) break;
    if (Clock::now() >= deadline) {
      if (!ssh_ok)
        return std::unexpected(with_log(Error{"sshd did not accept TCP on " + n.ip(index) + ":22 in time",
                                              ErrorKind::Remote}, "sshd", p.sshd_log()));
      return std::unexpected(with_log(Error{"dockerd did not answer on " + p.docker_sock() + " in time",
                                            ErrorKind::Remote}, "dockerd", p.docker_log()));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }

  auto pub = read_file(p.host_key() + ".pub");
  if (!pub) return std::unexpected(pub.error());
  record.server.host_key = key_blob(*pub);
  record.state = "ready";
  return write_record(record);
}

Status LocalProvider::teardown(int index) {
  LocalNames n = names();
  const LocalServerPaths p = paths(index);
  const std::string ns = n.netns(index);
  const std::string ns_path = "/run/netns/" + ns;

  // dockerd first: on SIGTERM it stops its containers and unmounts their
  // file systems. Only a pid that is really ours is signalled: one in our
  // namespace, or one whose command line names our directory.
  auto ours = [&](pid_t pid) {
    if (!process_alive(pid)) return false;
    for (pid_t q : processes_in_netns(ns_path))
      if (q == pid) return true;
    return process_cmdline(pid).find(p.dir + "/") != std::string::npos;
  };
  for (const auto& file : {p.docker_pid(), p.docker_spawned_pid(), p.sshd_pid()}) {
    pid_t pid = read_pid_file(file);
    if (ours(pid)) stop_process(pid, config_.stop_timeout);
  }
  // Whatever is left in the namespace (sessions, containerd, shims) or in
  // the server's cgroup (container processes).
  for (int round = 0; round < 3; ++round) {
    auto left = processes_in_netns(ns_path);
    for (pid_t pid : processes_in_cgroup(n.cgroup_parent(index))) left.push_back(pid);
    if (left.empty()) break;
    for (pid_t pid : left) stop_process(pid, std::chrono::milliseconds(round == 0 ? 2000 : 0));
  }
  Status first_error;
  auto keep = [&](Status s) {
    if (!s && first_error) first_error = std::move(s);
  };
  keep(unmount_under(p.dir));
  keep(remove_server_link(n, index));
  keep(remove_cgroups(n.cgroup_parent(index)));
  if (first_error) {
    keep(remove_all(p.dir));
    if (first_error) keep(remove_all(record_path(index)));
  }
  if (!first_error) return std::unexpected(first_error.error().context("destroy " + ns));
  return {};
}

Status LocalProvider::destroy(const Server& server) {
  LocalNames n = names();
  const std::string& ns = server.provider_ref.empty() ? server.id : server.provider_ref;
  int index = netns_index(n, ns);
  if (!index) return fail("local cloud: " + ns + " is not a server of cluster " + n.cluster_id);
  return teardown(index);
}

Result<std::vector<Server>> LocalProvider::list() {
  std::vector<Server> out;
  for (auto& r : records())
    if (r.state == "ready") out.push_back(std::move(r.server));
  return out;
}

Status LocalProvider::destroy_all() {
  if (auto s = check_cluster_id(config_.cluster_id); !s) return s;
  auto held = lock();
  if (!held) return std::unexpected(held.error().context("local cloud"));
  const LocalNames n = names();
  std::vector<int> indexes;
  for (const auto& r : records()) indexes.push_back(r.index);
  for (const auto& ns : netns_with_prefix(n.netns_prefix()))
    if (int i = netns_index(n, ns)) indexes.push_back(i);
  for (const auto& link : links_with_prefix(n.veth_prefix()))
    if (int i = netns_index(n, "q-" + link.substr(3))) indexes.push_back(i);
  for (const auto& e : list_dir(config_.state_dir + "/servers"))
    if (int i = netns_index(n, e)) indexes.push_back(i);
  std::sort(indexes.begin(), indexes.end());
  indexes.erase(std::unique(indexes.begin(), indexes.end()), indexes.end());

  // Servers go in parallel: each dockerd may take seconds to stop.
  std::vector<Status> results(indexes.size());
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < indexes.size(); ++i)
    threads.emplace_back([&, i] { results[i] = teardown(indexes[i]); });
  for (auto& t : threads) t.join();
  for (auto& r : results)
    if (!r) return r;

  if (auto s = remove_forward_rule(n.bridge()); !s) return s;
  if (auto s = remove_bridge(n); !s) return s;
  if (auto s = remove_all(config_.state_dir + "/servers"); !s) return s;
  if (auto s = remove_all(config_.state_dir + "/cluster.json"); !s) return s;
  // The last local cluster on this machine takes the SSH user it made.
  auto net_lock = FileLock::acquire(kNetLock, "quarry local cloud " + config_.cluster_id, std::chrono::minutes(2));
  if (!net_lock) return std::unexpected(net_lock.error());
  if (auto s = remove_all(std::string(kRegistryDir) + "/" + n.cluster_id); !s) return s;
  if (!list_dir(kRegistryDir).empty()) return {};
  return remove_ssh_user(config_.ssh_user);
}

}  // namespace quarry
