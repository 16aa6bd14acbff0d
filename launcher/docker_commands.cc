#include "launcher/docker_commands.h"

#include <cstdio>
#include <set>

#include "compiler/command_words.h"
#include "core/names.h"
#include "core/text.h"

namespace quarry {

namespace {

bool is_env_key(std::string_view s) {
  if (s.empty() || (s[0] >= '0' && s[0] <= '9')) return false;
  for (char c : s)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) return false;
  return true;
}

// Docker refuses an env file that is not UTF-8.
bool is_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = c < 0x80 ? 0 : (c >> 5) == 6 ? 1 : (c >> 4) == 14 ? 2 : (c >> 3) == 30 ? 3 : 4;
    if (n == 4 || i + n >= s.size()) return false;
    for (std::size_t k = 1; k <= n; ++k)
      if ((static_cast<unsigned char>(s[i + k]) >> 6) != 2) return false;
    i += n + 1;
  }
  return true;
}

// What container_name makes from valid names: two DNS labels, '_' and a
// release and index. Anything else is refused before it reaches docker.
bool is_container_name(std::string_view s) {
  if (s.empty() || s.size() > 140 || s.front() == '_' || s.front() == '-') return false;
  for (char c : s)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_')) return false;
  return true;
}

// Every container gets this CPU weight when `cpu:` sets no limit
// (docs/manifest.md): an equal share (docker's full share), so under
// contention no uncapped container gets less than another or than the
// server's own daemons (a tenth of a share starved replicas behind the HQ's
// and the engine's work on a busy server). The process limit
// (`pids:`, 1024 by default) and no-new-privileges (`no_new_privileges:`,
// on by default) come from the manifest.
constexpr int kDefaultCpuShares = 1024;

std::string format_cpus(double cpu) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", cpu);
  return buf;
}

void add_label(Argv& argv, std::string_view key, const std::string& value) {
  argv.push_back("--label");
  argv.push_back(std::string(key) + "=" + value);
}

void add_label_filters(Argv& argv, const std::map<std::string, std::string>& labels) {
  for (const auto& [k, v] : labels) {
    argv.push_back("--filter");
    argv.push_back("label=" + k + "=" + v);
  }
}

Status add_volumes(Argv& argv, const Instruction& ins, const ContainerPlacement& pl) {
  const auto& p = ins.process;
  if (p.volumes.empty()) return {};
  if (!p.is_service) return fail("node " + p.name + ": volumes are kept only for services");
  std::set<std::string> seen;
  for (const auto& path : p.volumes) {
    if (!starts_with(path, "/") || path.find(':') != std::string::npos)
      return fail("service " + p.name + ": volume path '" + path + "' must be absolute and hold no ':'");
    auto given = pl.volume_names.find(path);
    auto name = given != pl.volume_names.end() ? given->second : volume_name(ins.stack, p.name, path);
    if (!is_container_name(name)) return fail("service " + p.name + ": volume name '" + name + "' is not a docker name");
    if (!seen.insert(name).second)
      return fail("service " + p.name + ": volume paths map to the same volume " + name);
    argv.push_back("--volume");
    argv.push_back(name + ":" + path);
  }
  return {};
}

void add_publish(Argv& argv, const Instruction& ins, const ContainerPlacement& pl) {
  if (ins.process.port <= 0 || pl.host_port <= 0) return;
  std::string spec;
  if (!pl.bind_address.empty()) {
    bool v6 = pl.bind_address.find(':') != std::string::npos;
    spec = (v6 ? "[" + pl.bind_address + "]" : pl.bind_address) + ":";
  }
  spec += std::to_string(pl.host_port) + ":" + std::to_string(ins.process.port);
  argv.push_back("--publish");
  argv.push_back(spec);
}

// --init by default: a PID 1 that forwards the stop signal, so an app that
// ignores SIGTERM as PID 1 does not hold every stop for the whole timeout.
void add_stop_settings(Argv& argv, const Process& p) {
  if (p.init) argv.push_back("--init");
  if (!p.stop_signal.empty()) argv.insert(argv.end(), {"--stop-signal", p.stop_signal});
  if (p.stop_timeout_s != 10) argv.insert(argv.end(), {"--stop-timeout", std::to_string(p.stop_timeout_s)});
}

}  // namespace

std::string container_name(const Instruction& ins, const ContainerPlacement& pl) {
  auto name = qualified_name(ins.stack, ins.process.name);
  if (ins.process.is_service) return name;
  return name + kNameSeparator + "r" + std::to_string(pl.release) + kNameSeparator + std::to_string(pl.index);
}

namespace {

// `prefix` then the path's [a-z0-9] runs, each after a '-' but the first
// after `first_separator`.
std::string path_volume(std::string out, char first_separator, std::string_view path) {
  bool dash = false, first = true;
  for (char c : path) {
    bool keep = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (!keep && (c >= 'A' && c <= 'Z')) {
      c = static_cast<char>(c - 'A' + 'a');
      keep = true;
    }
    if (keep) {
      if (dash || first) out += first ? first_separator : '-';
      out += c;
      dash = first = false;
    } else {
      dash = true;
    }
  }
  return out;
}

}  // namespace

std::string volume_name(std::string_view stack, std::string_view service, std::string_view path) {
  return path_volume(qualified_name(stack, service), kNameSeparator, path);
}

std::string legacy_volume_name(std::string_view stack, std::string_view service, std::string_view path) {
  return path_volume(std::string(stack) + "-" + std::string(service), '-', path);
}

std::string image_tag(std::string_view stack, std::string_view process, std::string_view release) {
  return "quarry/" + qualified_name(stack, process) + ":r" + std::string(release);
}

Result<Argv> docker_run(const Instruction& ins, const ContainerPlacement& pl) {
  const auto& p = ins.process;
  std::string what = (p.is_service ? "service " : "node ") + p.name;
  if (ins.op != Op::Ensure && ins.op != Op::Deploy) return fail(what + ": docker run is for ENSURE and DEPLOY");
  if (pl.release < 1) return fail(what + ": release number " + std::to_string(pl.release) + " is below 1");
  if (pl.index < 1) return fail(what + ": replica number " + std::to_string(pl.index) + " is below 1");
  std::string image = pl.image.empty() ? p.image : pl.image;
  if (image.empty()) return fail(what + ": no image to run");
  std::string name = container_name(ins, pl);
  if (!is_container_name(name)) return fail(what + ": container name " + name + " is not a docker name ([a-z0-9_-], 140 characters at most)");
  Argv words;
  if (!trim(p.command).empty()) {
    auto split = split_command(p.command);
    if (!split) return fail(split.error().context(what));
    words = std::move(*split);
  }

  Argv argv = {"docker", "run", "--detach", "--name", name};
  add_label(argv, kLabelStack, ins.stack);
  add_label(argv, kLabelNode, p.name);
  add_label(argv, kLabelRelease, std::to_string(pl.release));
  add_label(argv, kLabelIndex, std::to_string(pl.index));
  add_label(argv, kLabelKind, p.is_service ? "service" : "node");
  if (!pl.env_file.empty()) argv.insert(argv.end(), {"--env-file", pl.env_file});
  if (pl.memory_mb > 0) argv.insert(argv.end(), {"--memory", std::to_string(pl.memory_mb) + "m"});
  if (pl.cpu > 0) argv.insert(argv.end(), {"--cpus", format_cpus(pl.cpu)});
  else argv.insert(argv.end(), {"--cpu-shares", std::to_string(kDefaultCpuShares)});
  add_publish(argv, ins, pl);
  if (p.no_new_privileges) argv.insert(argv.end(), {"--security-opt", "no-new-privileges"});
  argv.insert(argv.end(), {"--pids-limit", std::to_string(p.pids_limit)});
  argv.insert(argv.end(), {"--restart", "unless-stopped"});
  add_stop_settings(argv, p);
  if (auto s = add_volumes(argv, ins, pl); !s) return fail(s.error());
  if (!pl.network.empty()) argv.insert(argv.end(), {"--network", pl.network});
  for (const auto& alias : pl.network_aliases) argv.insert(argv.end(), {"--network-alias", alias});
  for (const auto& h : pl.extra_hosts) argv.insert(argv.end(), {"--add-host", h});
  if (!pl.files_mount.empty()) argv.insert(argv.end(), {"--volume", pl.files_mount + ":/etc/quarry:ro"});
  argv.push_back(image);
  argv.insert(argv.end(), words.begin(), words.end());
  return argv;
}

Argv docker_stop(const std::string& name, std::chrono::seconds grace) {
  if (grace.count() < 0) return {"docker", "stop", name};
  return {"docker", "stop", "-t", std::to_string(grace.count()), name};
}

Argv docker_rm(const std::string& name, bool force) {
  if (force) return {"docker", "rm", "--force", name};
  return {"docker", "rm", name};
}

Argv docker_ps(const std::map<std::string, std::string>& labels) {
  Argv argv = {"docker", "ps", "--all", "--no-trunc"};
  add_label_filters(argv, labels);
  argv.insert(argv.end(), {"--format", "{{json .}}"});
  return argv;
}

Argv docker_mounts(const std::string& container) {
  return {"docker", "inspect", "--type", "container", "--format",
          "{{range .Mounts}}{{if eq .Type \"volume\"}}{{.Name}} {{.Destination}}{{println}}{{end}}{{end}}", container};
}

std::map<std::string, std::string> parse_mounts(const std::string& out) {
  std::map<std::string, std::string> mounts;
  for (const auto& line : split_lines(out)) {
    auto words = split(trim(line), ' ');
    if (words.size() == 2 && !words[0].empty() && starts_with(words[1], "/")) mounts[words[1]] = words[0];
  }
  return mounts;
}

Argv docker_inspect(const std::vector<std::string>& names) {
  Argv argv = {"docker", "inspect", "--type", "container"};
  argv.insert(argv.end(), names.begin(), names.end());
  return argv;
}

Argv docker_logs(const std::string& name, const LogsOptions& o) {
  Argv argv = {"docker", "logs"};
  if (o.follow) argv.push_back("--follow");
  if (o.tail >= 0) argv.insert(argv.end(), {"--tail", std::to_string(o.tail)});
  if (o.timestamps) argv.push_back("--timestamps");
  if (!o.since.empty()) argv.insert(argv.end(), {"--since", o.since});
  argv.push_back(name);
  return argv;
}

Argv docker_image_inspect(const std::string& image) { return {"docker", "image", "inspect", image}; }

Argv docker_load() { return {"docker", "load", "--quiet"}; }

Argv docker_network_create(const std::string& name, const std::map<std::string, std::string>& labels) {
  Argv argv = {"docker", "network", "create", "--driver", "bridge"};
  for (const auto& [k, v] : labels) add_label(argv, k, v);
  argv.push_back(name);
  return argv;
}

Argv docker_network_rm(const std::string& name) { return {"docker", "network", "rm", name}; }

Argv docker_volume_ls(const std::map<std::string, std::string>& labels) {
  Argv argv = {"docker", "volume", "ls"};
  add_label_filters(argv, labels);
  argv.insert(argv.end(), {"--format", "{{json .}}"});
  return argv;
}

Argv docker_volume_rm(const std::string& name) { return {"docker", "volume", "rm", name}; }

Result<std::string> render_env_file(const std::map<std::string, std::string>& env) {
  std::string out;
  for (const auto& [key, value] : env) {
    if (!is_env_key(key)) return fail("env: '" + key + "' is not a variable name ([A-Za-z_][A-Za-z0-9_]*)");
    if (value.find_first_of(std::string_view("\n\r\0", 3)) != std::string::npos)
      return fail("env " + key + ": the value holds a line break or NUL, which docker's --env-file cannot carry");
    if (!is_utf8(value)) return fail("env " + key + ": the value is not UTF-8, which docker's --env-file refuses");
    out += key + "=" + value + "\n";
  }
  return out;
}

Argv write_private_file(const std::string& path) {
  return {"sh", "-c",
          "umask 077 && mkdir -p -- \"$(dirname -- \"$1\")\" && rm -f -- \"$1.tmp\" && cat > \"$1.tmp\" && "
          "mv -f -- \"$1.tmp\" \"$1\"",
          "sh", path};
}

Argv start_with_env_file(const std::string& env_file, const std::string& name, const Argv& run) {
  Argv argv = {"sh", "-c",
               "f=$1 n=$2; shift 2; umask 077; d=${f%/*}; [ \"$d\" != \"$f\" ] || d=.; [ -n \"$d\" ] || d=/; "
               "{ [ -d \"$d\" ] || mkdir -p -- \"$d\"; } && cat > \"$f\" || "
               "{ echo \"cannot write the env file $f\" >&2; exit " + std::to_string(kEnvFileFailed) + "; }; "
               "\"$@\" 2>\"$f.err\"; rc=$?; "
               "if [ $rc -ne 0 ] && grep -q \"is already in use\" \"$f.err\"; then "
               "docker rm --force -- \"$n\" >/dev/null 2>&1; \"$@\" 2>\"$f.err\"; rc=$?; fi; "
               "[ ! -s \"$f.err\" ] || cat \"$f.err\" >&2; rm -f -- \"$f\" \"$f.err\"; exit $rc",
               "sh", env_file, name};
  argv.insert(argv.end(), run.begin(), run.end());
  return argv;
}

}  // namespace quarry
