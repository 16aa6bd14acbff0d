#include "compiler/stack_json.h"

#include <exception>
#include <stdexcept>

namespace quarry {

namespace {

using nlohmann::json;

json health_to_json(const std::optional<HealthCheck>& h) {
  if (!h) return nullptr;
  return json{{"path", h->path}, {"timeout_ms", h->timeout_ms}, {"interval_ms", h->interval_ms},
              {"retries", h->retries}};
}

// nlohmann's typed getters throw on a missing key or a wrong type; the
// public functions below turn that into an Error.
Process process_from(const json& j) {
  Process p;
  j.at("name").get_to(p.name);
  j.at("is_service").get_to(p.is_service);
  j.at("image").get_to(p.image);
  j.at("build").get_to(p.build);
  j.at("command").get_to(p.command);
  j.at("port").get_to(p.port);
  j.at("memory_mb").get_to(p.memory_mb);
  j.at("cpu").get_to(p.cpu);
  j.at("volumes").get_to(p.volumes);
  j.at("env").get_to(p.env);
  j.at("domains").get_to(p.domains);
  const json& h = j.at("health");
  if (!h.is_null()) {
    HealthCheck check;
    h.at("path").get_to(check.path);
    h.at("timeout_ms").get_to(check.timeout_ms);
    h.at("interval_ms").get_to(check.interval_ms);
    h.at("retries").get_to(check.retries);
    p.health = check;
  }
  j.at("depends_on").get_to(p.depends_on);
  j.at("scale").get_to(p.scale);
  j.at("requires_tags").get_to(p.requires_tags);
  // Absent in releases recorded before these settings: the defaults.
  p.stop_signal = j.value("stop_signal", std::string());
  p.stop_timeout_s = j.value("stop_timeout_s", 10);
  p.init = j.value("init", true);
  p.pids_limit = j.value("pids_limit", 1024);
  p.no_new_privileges = j.value("no_new_privileges", true);
  p.reschedule = j.value("reschedule", false);
  return p;
}

std::vector<Process> processes_from(const json& j) {
  if (!j.is_array()) throw std::invalid_argument("expected a list of processes");
  std::vector<Process> out;
  for (const auto& p : j) out.push_back(process_from(p));
  return out;
}

}  // namespace

json process_to_json(const Process& p) {
  json j{{"name", p.name},
         {"is_service", p.is_service},
         {"image", p.image},
         {"build", p.build},
         {"command", p.command},
         {"port", p.port},
         {"memory_mb", p.memory_mb},
         {"cpu", p.cpu},
         {"volumes", p.volumes},
         {"env", p.env},
         {"domains", p.domains},
         {"health", health_to_json(p.health)},
         {"depends_on", p.depends_on},
         {"scale", p.scale},
         {"requires_tags", p.requires_tags}};
  // Written only when not the default, so the canonical form of a manifest
  // that does not use them is unchanged.
  if (!p.stop_signal.empty()) j["stop_signal"] = p.stop_signal;
  if (p.stop_timeout_s != 10) j["stop_timeout_s"] = p.stop_timeout_s;
  if (!p.init) j["init"] = false;
  if (p.pids_limit != 1024) j["pids_limit"] = p.pids_limit;
  if (!p.no_new_privileges) j["no_new_privileges"] = false;
  if (p.reschedule) j["reschedule"] = true;
  return j;
}

Result<Process> process_from_json(const json& j) {
  try {
    return process_from(j);
  } catch (const std::exception& e) {
    return fail(std::string("process JSON: ") + e.what());
  }
}

json stack_to_json(const Stack& s) {
  json services = json::array(), nodes = json::array();
  for (const auto& p : s.services) services.push_back(process_to_json(p));
  for (const auto& p : s.nodes) nodes.push_back(process_to_json(p));
  return json{{"name", s.name},         {"env", s.env},
              {"services", services},   {"nodes", nodes},
              {"manifest_hash", s.manifest_hash}, {"global_env", s.global_env}};
}

Result<Stack> stack_from_json(const json& j) {
  try {
    Stack s;
    j.at("name").get_to(s.name);
    j.at("env").get_to(s.env);
    s.services = processes_from(j.at("services"));
    s.nodes = processes_from(j.at("nodes"));
    j.at("manifest_hash").get_to(s.manifest_hash);
    j.at("global_env").get_to(s.global_env);
    return s;
  } catch (const std::exception& e) {
    return fail(std::string("stack JSON: ") + e.what());
  }
}

Result<Stack> stack_from_json_text(std::string_view text) {
  auto j = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return fail("stack JSON: not valid JSON");
  return stack_from_json(j);
}

}  // namespace quarry
