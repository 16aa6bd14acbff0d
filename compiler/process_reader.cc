#include "compiler/process_reader.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <set>

#include "compiler/command_words.h"
#include "compiler/container_limits.h"
#include "compiler/stop_settings.h"
#include "compiler/units.h"
#include "core/text.h"

namespace quarry {

namespace {

// A decimal integer of at most 9 digits with an optional '-'.
std::optional<long> parse_integer(std::string_view s) {
  bool negative = !s.empty() && s[0] == '-';
  if (negative) s.remove_prefix(1);
  if (s.empty() || s.size() > 9) return std::nullopt;
  long v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return negative ? -v : v;
}

// Reads an integer KEY in [lo, hi]; `what` names the value in messages.
std::optional<int> read_int(const MapEntry& e, std::string_view what, long lo, long hi, Diagnostics& diags) {
  auto text = read_scalar(e, what, diags);
  if (!text) return std::nullopt;
  auto v = parse_integer(*text);
  if (!v) {
    diags.error(e.value_at(), e.key + ": expected " + std::string(what) + ", got " + quoted(*text));
    return std::nullopt;
  }
  if (*v < lo || *v > hi) {
    diags.error(e.value_at(), e.key + ": " + *text + " is out of range (" + std::to_string(lo) + "-" +
                                  std::to_string(hi) + ")");
    return std::nullopt;
  }
  return static_cast<int>(*v);
}

// A duration of at most `max_ms` (a health check that may wait for hours
// holds a deploy, and the stack's lock, for as long).
std::optional<int> read_duration(const MapEntry& e, int max_ms, Diagnostics& diags) {
  auto text = read_scalar(e, "a duration (like 500ms, 5s, 1m)", diags);
  if (!text) return std::nullopt;
  auto ms = parse_duration_ms(*text);
  if (!ms) {
    diags.error(e.value_at(), e.key + ": " + ms.error().message);
    return std::nullopt;
  }
  if (*ms > max_ms) {
    diags.error(e.value_at(), e.key + ": " + quoted(*text) + " is longer than the limit of " +
                                  std::to_string(max_ms / 1000) + "s");
    return std::nullopt;
  }
  return *ms;
}

void read_cpu(const MapEntry& e, Process& p, Diagnostics& diags) {
  auto text = read_scalar(e, "a number of cores (like 0.5 or 2)", diags);
  if (!text) return;
  bool decimal = !text->empty() && text->find_first_not_of("0123456789.") == std::string::npos &&
                 std::count(text->begin(), text->end(), '.') <= 1 && *text != ".";
  double cores = 0;
  if (decimal) std::from_chars(text->data(), text->data() + text->size(), cores);
  if (!decimal) {
    diags.error(e.value_at(), "cpu: expected a number of cores (like 0.5 or 2), got " + quoted(*text));
  } else if (!(cores > 0 && cores <= 256)) {
    diags.error(e.value_at(), "cpu: " + *text + " is out of range (more than 0, at most 256)");
  } else {
    p.cpu = cores;
  }
}

void read_memory(const MapEntry& e, Process& p, Diagnostics& diags) {
  auto text = read_scalar(e, "a size (like 512, 512M or 1G)", diags);
  if (!text) return;
  auto mb = parse_size_mb(*text);
  if (!mb) {
    diags.error(e.value_at(), "memory: " + mb.error().message);
    return;
  }
  p.memory_mb = *mb;
}

void read_image(const MapEntry& e, Process& p, Diagnostics& diags) {
  auto text = read_scalar(e, "an image reference (like postgres:15)", diags);
  if (!text) return;
  bool bad = text->empty() || (*text)[0] == '-' ||
             std::any_of(text->begin(), text->end(), [](unsigned char c) { return c <= ' ' || c == 0x7f; });
  if (bad) {
    diags.error(e.value_at(), "image: " + quoted(*text) + " is not an image reference (like postgres:15)");
    return;
  }
  p.image = *text;
}

// "./worker/" and "worker" are the same directory: keep one spelling so
// the compiled output does not change with the way it was written.
void read_build(const MapEntry& e, Process& p, Diagnostics& diags) {
  auto text = read_scalar(e, "a directory of the repository (like . or ./worker)", diags);
  if (!text) return;
  std::vector<std::string> parts;
  bool escapes = text->empty() || (*text)[0] == '/';
  for (const auto& part : split(*text, '/')) {
    if (part == "..") escapes = true;
    if (!part.empty() && part != ".") parts.push_back(part);
  }
  if (escapes) {
    diags.error(e.value_at(), "build: " + quoted(*text) +
                                  " must be a directory inside the repository (like . or ./worker)");
    return;
  }
  p.build = parts.empty() ? "." : join(parts, "/");
}

void read_command(const MapEntry& e, Process& p, Diagnostics& diags) {
  std::string command;
  if (e.value.IsSequence()) {
    auto words = read_scalar_list(e, "a command line or a list of words", diags);
    if (!words) return;
    Argv argv;
    for (const auto& w : *words) argv.push_back(w.text);
    command = shell_join(argv);
  } else {
    auto text = read_scalar(e, "a command line or a list of words", diags);
    if (!text) return;
    command = *text;
  }
  auto argv = split_command(command);
  if (!argv) {
    diags.error(e.value_at(), "command: " + argv.error().message);
    return;
  }
  p.command = command;
}

void read_volumes(const MapEntry& e, Process& p, Diagnostics& diags) {
  auto items = read_scalar_list(e, "a list of container paths", diags);
  if (!items) return;
  std::set<std::string> seen;
  for (const auto& item : *items) {
    if (item.text.empty() || item.text[0] != '/' || item.text.find_first_of(":,") != std::string::npos) {
      diags.error(item.at, "volumes: " + quoted(item.text) +
                               " must be an absolute path in the container, without ':' or ',' (like /data)");
    } else if (!seen.insert(item.text).second) {
      diags.error(item.at, "volumes: " + quoted(item.text) + " is listed twice");
    } else {
      p.volumes.push_back(item.text);
    }
  }
}

void read_domains(const MapEntry& e, ProcessRead& r, Diagnostics& diags) {
  auto items = read_scalar_list(e, "a list of host names", diags);
  if (!items) return;
  for (const auto& item : *items) {
    auto& domains = r.process.domains;
    if (!is_host_name(item.text)) {
      diags.error(item.at, "domains: " + quoted(item.text) +
                               " is not a valid host name (lowercase letters, digits, '-' and '.')");
    } else if (std::find(domains.begin(), domains.end(), item.text) != domains.end()) {
      diags.error(item.at, "domains: " + quoted(item.text) + " is listed twice");
    } else {
      domains.push_back(item.text);
      r.source.domains_at.push_back(item.at);
    }
  }
}

void read_depends_on(const MapEntry& e, ProcessRead& r, Diagnostics& diags) {
  auto items = read_scalar_list(e, "a list of service or node names", diags);
  if (!items) return;
  for (const auto& item : *items) {
    auto& deps = r.process.depends_on;
    if (std::find(deps.begin(), deps.end(), item.text) != deps.end()) {
      diags.error(item.at, "depends_on: " + quoted(item.text) + " is listed twice");
      continue;
    }
    deps.push_back(item.text);
    r.source.depends_on_at.push_back(item.at);
  }
}

bool is_tag_part(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '-' || c == '_' || c == '.';
  });
}

void read_requires(const MapEntry& e, Process& p, Diagnostics& diags) {
  auto items = read_scalar_list(e, "a list of key=value tags", diags);
  if (!items) return;
  for (const auto& item : *items) {
    auto eq = item.text.find('=');
    bool ok = eq != std::string::npos && is_tag_part(std::string_view(item.text).substr(0, eq)) &&
              is_tag_part(std::string_view(item.text).substr(eq + 1));
    if (!ok) {
      diags.error(item.at, "requires: " + quoted(item.text) + " is not a tag (write key=value, like role=router)");
      continue;
    }
    p.requires_tags.push_back(item.text);
  }
}

void read_health(const MapEntry& e, Process& p, Diagnostics& diags) {
  HealthCheck check;
  const std::string expected = "an HTTP path like /up, or a map of path, timeout, interval, retries";
  if (e.value.IsScalar()) {
    check.path = e.value.Scalar();
  } else if (e.value.IsMap()) {
    static const std::vector<std::string> keys{"interval", "path", "retries", "timeout"};
    for (const auto& h : map_entries(e.value, diags)) {
      if (h.key == "path") {
        if (auto path = read_scalar(h, "an HTTP path like /up", diags)) check.path = *path;
      } else if (h.key == "timeout") {
        if (auto ms = read_duration(h, kMaxHealthTimeoutMs, diags)) check.timeout_ms = *ms;
      } else if (h.key == "interval") {
        if (auto ms = read_duration(h, kMaxHealthIntervalMs, diags)) check.interval_ms = *ms;
      } else if (h.key == "retries") {
        if (auto n = read_int(h, "a number of probes", 1, kMaxHealthRetries, diags)) check.retries = *n;
      } else {
        report_unknown_key(h, "in health", keys, diags);
      }
    }
  } else {
    diags.error(e.value_at(), "health: expected " + expected + ", got " + describe(e.value));
    return;
  }
  bool bad_path = !check.path.empty() && (check.path[0] != '/' || check.path.size() > kMaxHealthPathBytes ||
                  std::any_of(check.path.begin(), check.path.end(), [](unsigned char c) { return c <= ' '; }));
  if (e.value.IsScalar() && check.path.empty()) bad_path = true;
  if (bad_path) {
    diags.error(e.value_at(), "health: " + quoted(check.path) + " is not an HTTP path (like /up)");
    return;
  }
  long wait_ms = static_cast<long>(check.retries) * (check.timeout_ms + check.interval_ms);
  if (wait_ms > kMaxHealthWaitMs) {
    diags.error(e.key_at, "health: " + std::to_string(check.retries) + " retries of " +
                              std::to_string(check.timeout_ms) + "ms + " + std::to_string(check.interval_ms) +
                              "ms could wait " + std::to_string(wait_ms / 1000) + "s, past the limit of " +
                              std::to_string(kMaxHealthWaitMs / 1000) + "s");
    return;
  }
  p.health = check;
}

// `reschedule: true`: a service moved off a down server. Its volumes live on
// that server, so a service with volumes cannot be moved.
void read_reschedule(const MapEntry& e, Process& p, Diagnostics& diags) {
  auto text = read_scalar(e, "true or false", diags);
  if (!text) return;
  if (*text == "true") p.reschedule = true;
  else if (*text == "false") p.reschedule = false;
  else diags.error(e.value_at(), "reschedule: expected true or false, got " + quoted(*text));
}

void check_reschedule(const MapEntry& e, const Process& p, Diagnostics& diags) {
  if (!p.reschedule || p.volumes.empty()) return;
  diags.error(e.value_at(), "reschedule: service " + quoted(p.name) +
                                " keeps volumes on its server and would start elsewhere without their data; "
                                "set 'reschedule' only on a stateless service (no 'volumes')");
}

}  // namespace

const std::vector<std::string>& process_keys(bool is_service) {
  static const std::vector<std::string> node{"build",        "command",      "cpu",     "depends_on",
                                             "domains",      "env",          "health",  "image",
                                             "init",         "memory",       "no_new_privileges",
                                             "pids",         "port",         "requires", "scale",
                                             "stop_signal",  "stop_timeout", "volumes"};
  static const std::vector<std::string> service{"build",        "command",      "cpu",     "depends_on",
                                                "env",          "health",       "image",   "init",
                                                "memory",       "no_new_privileges",       "pids",
                                                "port",         "requires",     "reschedule",
                                                "stop_signal",  "stop_timeout", "volumes"};
  return is_service ? service : node;
}

std::string bad_name_message(std::string_view what, std::string_view name) {
  std::string message = std::string(what) + " " + quoted(name) +
                        " is not a valid name (lowercase letters, digits and '-', at most 63)";
  std::string lower;
  for (unsigned char c : name) lower += (c == '_' || c == ' ' || c == '.') ? '-' : static_cast<char>(std::tolower(c));
  if (lower != name && is_dns_label(lower)) message += "; did you mean '" + lower + "'?";
  return message;
}

ProcessRead read_process(const MapEntry& entry, bool is_service, const EnvLookup& outer, EnvBudget& budget,
                         Diagnostics& diags) {
  ProcessRead r;
  Process& p = r.process;
  p.name = entry.key;
  p.is_service = is_service;
  r.source.name_at = entry.key_at;
  const std::string kind = is_service ? "service" : "node";
  if (!is_dns_label(p.name)) diags.error(entry.key_at, bad_name_message(kind + " name", p.name));
  if (!entry.value.IsMap()) {
    diags.error(entry.value_at(), kind + " " + quoted(p.name) +
                                      ": expected a map of settings (image or build, port, ...), got " +
                                      describe(entry.value));
    return r;
  }
  const MapEntry* port_key = nullptr;
  const MapEntry* health_key = nullptr;
  const MapEntry* domains_key = nullptr;
  const MapEntry* reschedule_key = nullptr;
  auto entries = map_entries(entry.value, diags);
  for (const auto& e : entries) {
    const std::string& k = e.key;
    if (k == "image") {
      read_image(e, p, diags);
    } else if (k == "build") {
      read_build(e, p, diags);
    } else if (k == "command") {
      read_command(e, p, diags);
    } else if (k == "port") {
      port_key = &e;
      p.port = read_int(e, "a port number", 1, 65535, diags).value_or(0);
    } else if (k == "memory") {
      read_memory(e, p, diags);
    } else if (k == "cpu") {
      read_cpu(e, p, diags);
    } else if (k == "volumes") {
      read_volumes(e, p, diags);
    } else if (k == "env") {
      EnvRead env = read_env(e, outer, budget, diags);
      p.env = std::move(env.values);
      r.source.env_keys = std::move(env.keys);
    } else if (k == "health") {
      health_key = &e;
      read_health(e, p, diags);
    } else if (k == "depends_on") {
      read_depends_on(e, r, diags);
    } else if (k == "requires") {
      read_requires(e, p, diags);
    } else if (k == "stop_signal") {
      read_stop_signal(e, p, diags);
    } else if (k == "stop_timeout") {
      read_stop_timeout(e, p, diags);
    } else if (k == "init") {
      read_init(e, p, diags);
    } else if (k == "pids") {
      read_pids(e, p, diags);
    } else if (k == "no_new_privileges") {
      read_no_new_privileges(e, p, diags);
    } else if (k == "reschedule" && is_service) {
      reschedule_key = &e;
      read_reschedule(e, p, diags);
    } else if (k == "reschedule") {
      diags.error(e.key_at, "reschedule: a node is always moved off a down server; 'reschedule' is for services");
    } else if (k == "domains" && is_service) {
      diags.error(e.key_at, "domains: services are not routed; put the domains on the node that serves them");
    } else if (k == "domains") {
      domains_key = &e;
      read_domains(e, r, diags);
    } else if (k == "scale" && is_service) {
      diags.error(e.key_at, "scale: a service always runs one replica; 'scale' is for nodes");
    } else if (k == "scale") {
      p.scale = read_int(e, "a number of replicas", 0, 1000, diags).value_or(1);
    } else {
      report_unknown_key(e, "in " + kind + " " + quoted(p.name), process_keys(is_service), diags);
    }
  }
  bool has_image = std::any_of(entries.begin(), entries.end(), [](const MapEntry& e) { return e.key == "image"; });
  bool has_build = std::any_of(entries.begin(), entries.end(), [](const MapEntry& e) { return e.key == "build"; });
  if (has_image && has_build) {
    diags.error(entry.key_at, kind + " " + quoted(p.name) + " has both 'image' and 'build'; keep one");
  } else if (!has_image && !has_build) {
    diags.error(entry.key_at, kind + " " + quoted(p.name) + " needs 'image' or 'build'");
  }
  if (!port_key && health_key) {
    diags.error(health_key->key_at, "health: a health check needs the " + kind + "'s 'port'");
  }
  if (!port_key && domains_key) {
    diags.error(domains_key->key_at, "domains: the router needs the node's 'port' to send traffic to");
  }
  if (reschedule_key) check_reschedule(*reschedule_key, p, diags);
  if (!is_service && p.port != 0 && !p.health) p.health = HealthCheck{};
  return r;
}

}  // namespace quarry
