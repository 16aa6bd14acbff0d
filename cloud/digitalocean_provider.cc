#include "cloud/digitalocean_provider.h"

#include <nlohmann/json.hpp>

#include "cloud/cloud_init.h"
#include "cloud/instance_sizes.h"
#include "core/text.h"

namespace quarry {

namespace {

using nlohmann::json;

constexpr std::string_view kProvider = "digitalocean";

std::string droplet_tag(const std::string& tag) {
  std::string t = tag;
  for (auto& c : t)
    if (c == '=') c = ':';
  return t;
}

std::string spec_tag(const std::string& tag) {
  std::string t = tag;
  auto colon = t.find(':');
  if (colon != std::string::npos) t[colon] = '=';
  return t;
}

// "HTTP 422: <the API's message>" from an error response.
std::string api_error(const HttpResponse& r) {
  std::string message;
  try {
    auto j = json::parse(r.body);
    if (j.is_object() && j.contains("message") && j["message"].is_string()) message = j["message"].get<std::string>();
  } catch (const json::exception&) {
  }
  if (message.empty()) message = trim(r.body.substr(0, 200));
  return "HTTP " + std::to_string(r.status) + (message.empty() ? "" : ": " + message);
}

// A droplet object to a Server; ip is the public IPv4 address or "".
Result<Server> to_server(const json& d, const DigitalOceanConfig& config) {
  try {
    Server s;
    auto id = d.at("id");
    s.provider_ref = id.is_string() ? id.get<std::string>() : std::to_string(id.get<long long>());
    s.id = "do-" + s.provider_ref;
    s.name = d.value("name", "");
    s.provider = std::string(kProvider);
    s.ssh_user = config.ssh_user;
    s.memory_mb = d.value("memory", 0);
    s.cpu = d.value("vcpus", 0);
    if (d.contains("networks") && d["networks"].contains("v4")) {
      for (const auto& n : d["networks"]["v4"])
        if (n.value("type", "") == "public") s.ip = n.value("ip_address", "");
    }
    if (d.contains("tags"))
      for (const auto& t : d["tags"]) {
        auto tag = t.get<std::string>();
        if (tag != config.tag) s.tags.push_back(spec_tag(tag));
      }
    return s;
  } catch (const json::exception& e) {
    return fail_remote(std::string("unexpected droplet object: ") + e.what());
  }
}

Result<json> parse_body(const HttpResponse& r, const std::string& what) {
  try {
    return json::parse(r.body);
  } catch (const json::exception& e) {
    return fail_remote(what + ": response is not JSON: " + e.what());
  }
}

}  // namespace

Result<std::string> digitalocean_create_body(const DigitalOceanConfig& config, const ServerSpec& spec) {
  std::string size = config.size;
  if (size.empty()) {
    auto picked = pick_size(digitalocean_sizes(), spec.memory_mb, spec.cpu);
    if (!picked) return std::unexpected(picked.error().context("digitalocean"));
    size = picked->name;
  }
  json tags = json::array({config.tag});
  for (const auto& t : spec.tags) tags.push_back(droplet_tag(t));
  json body = {
      {"name", spec.name},
      {"region", config.region},
      {"size", size},
      {"image", config.image},
      {"ssh_keys", config.ssh_keys},
      {"tags", tags},
      {"user_data", render_cloud_init({config.ssh_user, config.authorized_key})},
      {"ipv6", false},
      {"monitoring", false},
  };
  return body.dump();
}

DigitalOceanProvider::DigitalOceanProvider(DigitalOceanConfig config, HttpClient& http, WaitDeps deps)
    : config_(std::move(config)), http_(http), deps_(std::move(deps)) {}

Result<HttpResponse> DigitalOceanProvider::call(const std::string& method, const std::string& path,
                                                const std::string& body) {
  HttpRequest req;
  req.method = method;
  req.url = config_.base_url + path;
  req.headers = {{"Authorization", "Bearer " + config_.token}, {"Accept", "application/json"}};
  if (!body.empty()) req.headers.emplace_back("Content-Type", "application/json");
  req.body = body;
  auto r = http_.send(req);
  if (!r) return std::unexpected(r.error().context(std::string(kProvider)));
  return r;
}

Result<Server> DigitalOceanProvider::create(const ServerSpec& spec) {
  auto body = digitalocean_create_body(config_, spec);
  if (!body) return std::unexpected(body.error());
  const std::string what = "digitalocean: POST /v2/droplets";
  auto r = call("POST", "/v2/droplets", *body);
  if (!r) return std::unexpected(r.error());
  if (r->status != 202 && r->status != 200 && r->status != 201) return fail_remote(what + ": " + api_error(*r));
  auto j = parse_body(*r, what);
  if (!j) return std::unexpected(j.error());
  if (!j->contains("droplet")) return fail_remote(what + ": response has no droplet");
  auto made = to_server((*j)["droplet"], config_);
  if (!made) return std::unexpected(made.error().context(what));

  auto ready = wait_active(made->provider_ref, spec);
  if (!ready) {
    // Give the half-made droplet back; the first error is the one to report.
    (void)destroy(*made);
    return std::unexpected(ready.error());
  }
  return ready;
}

Result<Server> DigitalOceanProvider::wait_active(const std::string& droplet_id, const ServerSpec& spec) {
  const std::string path = "/v2/droplets/" + droplet_id;
  const std::string what = "digitalocean: droplet " + droplet_id;
  auto deadline = deps_.now() + config_.create_timeout;
  std::string last_status = "new";
  while (true) {
    auto r = call("GET", path);
    if (!r) return std::unexpected(r.error());
    if (r->status != 200) return fail_remote(what + ": GET " + path + ": " + api_error(*r));
    auto j = parse_body(*r, what);
    if (!j) return std::unexpected(j.error());
    if (!j->contains("droplet")) return fail_remote(what + ": response has no droplet");
    auto s = to_server((*j)["droplet"], config_);
    if (!s) return std::unexpected(s.error().context(what));
    last_status = (*j)["droplet"].value("status", "");
    if (last_status == "active" && !s->ip.empty()) {
      if (s->tags.empty()) s->tags = spec.tags;
      if (!config_.wait_for_ssh) return s;
      while (!deps_.tcp_accepts(s->ip, s->ssh_port, std::chrono::seconds(3))) {
        if (deps_.now() >= deadline) return fail_remote(what + ": port 22 of " + s->ip + " did not open in time");
        deps_.sleep(config_.poll_interval);
      }
      return s;
    }
    if (last_status == "off" || last_status == "archive")
      return fail_remote(what + ": status \"" + last_status + "\" while waiting for active");
    if (deps_.now() >= deadline)
      return fail_remote(what + ": not active in time (last status \"" + last_status + "\")");
    deps_.sleep(config_.poll_interval);
  }
}

Status DigitalOceanProvider::destroy(const Server& server) {
  if (server.provider_ref.empty()) return fail("digitalocean: server " + server.id + " has no droplet id");
  const std::string path = "/v2/droplets/" + server.provider_ref;
  auto r = call("DELETE", path);
  if (!r) return std::unexpected(r.error());
  if (r->status == 204 || r->status == 200 || r->status == 202 || r->status == 404) return {};
  return fail_remote("digitalocean: DELETE " + path + ": " + api_error(*r));
}

Result<std::vector<Server>> DigitalOceanProvider::list() {
  std::vector<Server> out;
  for (int page = 1; page < 1000; ++page) {
    const std::string path = "/v2/droplets?tag_name=" + config_.tag + "&per_page=200&page=" + std::to_string(page);
    auto r = call("GET", path);
    if (!r) return std::unexpected(r.error());
    const std::string what = "digitalocean: GET /v2/droplets";
    if (r->status != 200) return fail_remote(what + ": " + api_error(*r));
    auto j = parse_body(*r, what);
    if (!j) return std::unexpected(j.error());
    if (!j->contains("droplets") || !(*j)["droplets"].is_array()) return fail_remote(what + ": response has no droplets");
    for (const auto& d : (*j)["droplets"]) {
      auto s = to_server(d, config_);
      if (!s) return std::unexpected(s.error().context(what));
      out.push_back(std::move(*s));
    }
    bool more = j->contains("links") && (*j)["links"].is_object() && (*j)["links"].contains("pages") &&
                (*j)["links"]["pages"].is_object() && (*j)["links"]["pages"].contains("next");
    if (!more) break;
  }
  return out;
}

}  // namespace quarry
