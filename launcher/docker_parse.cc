#include "launcher/docker_parse.h"

#include <charconv>

#include <nlohmann/json.hpp>

#include "core/text.h"

namespace quarry {

namespace {

using nlohmann::json;

std::string str(const json& j, const char* key) {
  if (!j.is_object()) return {};
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

const json& member(const json& j, const char* key) {
  static const json kNull;
  if (!j.is_object()) return kNull;
  auto it = j.find(key);
  return it != j.end() ? *it : kNull;
}

std::map<std::string, std::string> string_map(const json& j) {
  std::map<std::string, std::string> out;
  if (!j.is_object()) return out;
  for (const auto& [k, v] : j.items())
    if (v.is_string()) out[k] = v.get<std::string>();
  return out;
}

std::vector<std::string> string_list(const json& j) {
  std::vector<std::string> out;
  if (!j.is_array()) return out;
  for (const auto& v : j)
    if (v.is_string()) out.push_back(v.get<std::string>());
  return out;
}

bool to_int(std::string_view s, int& out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

// "8000-8001" or "8000" into [first, last].
bool port_range(std::string_view s, int& first, int& last) {
  auto dash = s.find('-');
  if (dash == std::string_view::npos) {
    if (!to_int(s, first)) return false;
    last = first;
    return true;
  }
  return to_int(s.substr(0, dash), first) && to_int(s.substr(dash + 1), last) && first <= last;
}

// "k=v,k2=v2": a piece without '=' belongs to the value before it.
std::map<std::string, std::string> ps_labels(std::string_view text) {
  std::map<std::string, std::string> out;
  std::string last;
  for (const auto& piece : split(text, ',')) {
    auto eq = piece.find('=');
    if (eq == std::string::npos) {
      if (!last.empty()) out[last] += "," + piece;
      continue;
    }
    last = piece.substr(0, eq);
    out[last] = piece.substr(eq + 1);
  }
  return out;
}

// "Exited (3) 1 second ago" gives 3.
int exit_code_of_status(std::string_view status) {
  if (!starts_with(status, "Exited (")) return 0;
  auto close = status.find(')');
  int code = 0;
  if (close != std::string_view::npos) to_int(status.substr(8, close - 8), code);
  return code;
}

Result<json> parse_json(std::string_view text, const std::string& what) {
  auto j = json::parse(text.begin(), text.end(), nullptr, false);
  if (j.is_discarded()) return fail_remote(what + ": not JSON: " + std::string(text.substr(0, 120)));
  return j;
}

Result<ContainerInfo> container_from_ps(const json& j) {
  ContainerInfo c;
  c.id = str(j, "ID");
  auto names = split(str(j, "Names"), ',');
  if (!names.empty()) c.name = names.front();
  c.image = str(j, "Image");
  c.state = str(j, "State");
  c.status = str(j, "Status");
  c.running = c.state == "running";
  c.exit_code = exit_code_of_status(c.status);
  c.created_at = str(j, "CreatedAt");
  c.labels = ps_labels(str(j, "Labels"));
  for (const auto& network : split(str(j, "Networks"), ',')) {
    if (!network.empty()) c.networks[network] = "";
  }
  auto ports = parse_ps_ports(str(j, "Ports"));
  if (!ports) return fail(ports.error());
  c.ports = std::move(*ports);
  if (c.id.empty()) return fail_remote("no ID");
  return c;
}

ContainerInfo container_from_inspect(const json& j) {
  ContainerInfo c;
  c.id = str(j, "Id");
  c.name = str(j, "Name");
  if (starts_with(c.name, "/")) c.name.erase(0, 1);
  c.image_id = str(j, "Image");
  const auto& config = member(j, "Config");
  c.image = str(config, "Image");
  c.labels = string_map(member(config, "Labels"));
  const auto& state = member(j, "State");
  c.state = str(state, "Status");
  c.running = member(state, "Running").is_boolean() && member(state, "Running").get<bool>();
  if (member(state, "ExitCode").is_number_integer()) c.exit_code = member(state, "ExitCode").get<int>();
  c.created_at = str(j, "Created");
  c.started_at = str(state, "StartedAt");
  c.finished_at = str(state, "FinishedAt");
  c.health = str(member(state, "Health"), "Status");
  const auto& net = member(j, "NetworkSettings");
  const auto& ports = member(net, "Ports");
  if (ports.is_object()) {
    for (const auto& [key, bindings] : ports.items()) {
      PortBinding base;
      auto slash = key.find('/');
      to_int(std::string_view(key).substr(0, slash), base.container_port);
      base.protocol = slash == std::string::npos ? "tcp" : key.substr(slash + 1);
      if (!bindings.is_array() || bindings.empty()) {
        c.ports.push_back(base);
        continue;
      }
      for (const auto& b : bindings) {
        PortBinding p = base;
        p.host_ip = str(b, "HostIp");
        to_int(str(b, "HostPort"), p.host_port);
        c.ports.push_back(p);
      }
    }
  }
  const auto& networks = member(net, "Networks");
  if (networks.is_object())
    for (const auto& [name, n] : networks.items()) c.networks[name] = str(n, "IPAddress");
  return c;
}

// Calls each(line_number, json) for every non-empty line.
template <class F>
Status each_json_line(std::string_view output, const std::string& what, F each) {
  auto lines = split_lines(output);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    auto line = trim(lines[i]);
    if (line.empty()) continue;
    auto place = what + " line " + std::to_string(i + 1);
    auto j = parse_json(line, place);
    if (!j) return fail(j.error());
    if (!j->is_object()) return fail_remote(place + ": not a JSON object");
    if (auto s = each(*j); !s) return fail(s.error().context(place));
  }
  return {};
}

Result<json> json_array(std::string_view output, const std::string& what) {
  auto j = parse_json(output, what);
  if (!j) return j;
  if (!j->is_array()) return fail_remote(what + ": not a JSON array");
  return j;
}

}  // namespace

Result<std::vector<PortBinding>> parse_ps_ports(std::string_view text) {
  std::vector<PortBinding> out;
  for (const auto& raw : split(text, ',')) {
    auto entry = trim(raw);
    if (entry.empty()) continue;
    auto bad = [&] { return fail_remote("docker ps ports: cannot read '" + entry + "'"); };
    auto slash = entry.rfind('/');
    if (slash == std::string::npos) return bad();
    std::string protocol = entry.substr(slash + 1);
    std::string spec = entry.substr(0, slash);
    auto arrow = spec.find("->");
    std::string host_ip, host_ports;
    std::string container_ports = arrow == std::string::npos ? spec : spec.substr(arrow + 2);
    if (arrow != std::string::npos) {
      auto left = spec.substr(0, arrow);
      auto colon = left.rfind(':');
      if (colon == std::string::npos) return bad();
      host_ip = left.substr(0, colon);
      host_ports = left.substr(colon + 1);
      if (host_ip.size() >= 2 && host_ip.front() == '[' && host_ip.back() == ']')
        host_ip = host_ip.substr(1, host_ip.size() - 2);
    }
    int c_first, c_last, h_first = 0, h_last = 0;
    if (!port_range(container_ports, c_first, c_last)) return bad();
    if (!host_ports.empty() && (!port_range(host_ports, h_first, h_last) || h_last - h_first != c_last - c_first))
      return bad();
    for (int k = 0; k <= c_last - c_first; ++k)
      out.push_back({host_ip, host_ports.empty() ? 0 : h_first + k, c_first + k, protocol});
  }
  return out;
}

Result<std::vector<ContainerInfo>> parse_docker_ps(std::string_view output) {
  std::vector<ContainerInfo> out;
  auto s = each_json_line(output, "docker ps", [&](const json& j) -> Status {
    auto c = container_from_ps(j);
    if (!c) return fail(c.error());
    out.push_back(std::move(*c));
    return {};
  });
  if (!s) return fail(s.error());
  return out;
}

Result<std::vector<ContainerInfo>> parse_docker_inspect(std::string_view output) {
  auto j = json_array(output, "docker inspect");
  if (!j) return fail(j.error());
  std::vector<ContainerInfo> out;
  for (const auto& item : *j) {
    auto c = container_from_inspect(item);
    if (c.id.empty()) return fail_remote("docker inspect: entry " + std::to_string(out.size() + 1) + " has no Id");
    out.push_back(std::move(c));
  }
  return out;
}

Result<std::vector<ImageInfo>> parse_image_inspect(std::string_view output) {
  auto j = json_array(output, "docker image inspect");
  if (!j) return fail(j.error());
  std::vector<ImageInfo> out;
  for (const auto& item : *j) {
    ImageInfo i;
    i.id = str(item, "Id");
    if (i.id.empty()) return fail_remote("docker image inspect: entry " + std::to_string(out.size() + 1) + " has no Id");
    i.tags = string_list(member(item, "RepoTags"));
    i.digests = string_list(member(item, "RepoDigests"));
    i.created = str(item, "Created");
    if (member(item, "Size").is_number_integer()) i.size = member(item, "Size").get<std::int64_t>();
    out.push_back(std::move(i));
  }
  return out;
}

Result<std::vector<VolumeInfo>> parse_volume_ls(std::string_view output) {
  std::vector<VolumeInfo> out;
  auto s = each_json_line(output, "docker volume ls", [&](const json& j) -> Status {
    VolumeInfo v{str(j, "Name"), str(j, "Driver"), ps_labels(str(j, "Labels"))};
    if (v.name.empty()) return fail_remote("no Name");
    out.push_back(std::move(v));
    return {};
  });
  if (!s) return fail(s.error());
  return out;
}

}  // namespace quarry
