#include "cloud/digitalocean_provider.h"

#include <nlohmann/json.hpp>

#include "cloud/cloud_init.h"
#include "cloud/instance_sizes.h"
#include "cloud/server_names.h"
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

bool ok_status(int s) { return s >= 200 && s <= 299; }

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
    s.status = d.value("status", "");
    if (d.contains("size_slug") && d["size_slug"].is_string()) s.size = d["size_slug"].get<std::string>();
    if (d.contains("networks") && d["networks"].contains("v4")) {
      for (const auto& n : d["networks"]["v4"])
        if (n.value("type", "") == "public") s.ip = n.value("ip_address", "");
    }
    if (d.contains("tags") && d["tags"].is_array())
      for (const auto& t : d["tags"]) {
        auto tag = t.get<std::string>();
        if (tag != config.tag && !starts_with(tag, "qc-")) s.tags.push_back(spec_tag(tag));
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

Result<Server> droplet_of(const HttpResponse& r, const DigitalOceanConfig& config, const std::string& what) {
  auto j = parse_body(r, what);
  if (!j) return std::unexpected(j.error());
  if (!j->is_object() || !j->contains("droplet")) return fail_remote(what + ": response has no droplet");
  auto s = to_server((*j)["droplet"], config);
  if (!s) return std::unexpected(s.error().context(what));
  return s;
}

}  // namespace

Result<std::string> digitalocean_create_body(const DigitalOceanConfig& config, const ServerSpec& spec) {
  if (auto s = check_server_name(spec.name); !s) return std::unexpected(s.error());
  for (const auto& t : spec.tags)
    if (auto s = check_server_tag(t); !s) return std::unexpected(s.error());
  std::string size = !spec.size.empty() ? spec.size : config.size;
  if (size.empty()) {
    auto picked = pick_size(digitalocean_sizes(), spec.memory_mb, spec.cpu);
    if (!picked) return std::unexpected(picked.error().context("digitalocean"));
    size = picked->name;
  }
  json tags = json::array({config.tag});
  if (!spec.token.empty()) tags.push_back(create_token_tag(spec.token));
  for (const auto& t : spec.tags) tags.push_back(droplet_tag(t));
  CloudInitOptions ci{config.ssh_user,           config.authorized_key, spec.host_key_private,
                      spec.host_key_public,     spec.name,             config.authorized_keys};
  json body = {
      {"name", spec.name},
      {"region", config.region},
      {"size", size},
      {"image", config.image},
      {"ssh_keys", config.ssh_keys},
      {"tags", tags},
      {"user_data", render_cloud_init(ci)},
      {"ipv6", false},
      {"monitoring", false},
  };
  return body.dump();
}

DigitalOceanProvider::DigitalOceanProvider(DigitalOceanConfig config, HttpClient& http, WaitDeps deps)
    : config_(std::move(config)), http_(http), deps_(std::move(deps)) {}

Result<HttpResponse> DigitalOceanProvider::send_once(const std::string& method, const std::string& path,
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

Result<HttpResponse> DigitalOceanProvider::call(const std::string& method, const std::string& path,
                                                const std::string& body, bool idempotent) {
  Result<HttpResponse> last = fail_remote("digitalocean: " + method + " " + path + ": not sent");
  Retrier{config_.retry, deps_}.run([&](int, std::optional<std::chrono::milliseconds>& hint) {
    last = send_once(method, path, body);
    if (!last) return idempotent ? AttemptOutcome::Retry : AttemptOutcome::Done;
    if (!retryable_status(last->status)) return AttemptOutcome::Done;
    // A 5xx to a create may have made the droplet: only the caller knows
    // how to look before trying again.
    if (!idempotent && last->status != 429) return AttemptOutcome::Done;
    hint = retry_hint(*last, deps_.now());
    return AttemptOutcome::Retry;
  });
  return last;
}

Result<Server> DigitalOceanProvider::launch(const ServerSpec& spec) {
  if (spec.token.empty()) return fail("digitalocean: a create needs a token");
  auto body = digitalocean_create_body(config_, spec);
  if (!body) return std::unexpected(body.error());
  const std::string what = "digitalocean: POST /v2/droplets";
  Result<Server> out = fail_remote(what + ": not sent");
  Retrier{config_.retry, deps_}.run([&](int, std::optional<std::chrono::milliseconds>& hint) {
    auto r = call("POST", "/v2/droplets", *body, false);
    bool unknown = !r || r->status >= 500;
    if (r && ok_status(r->status)) {
      out = droplet_of(*r, config_, what);
      return AttemptOutcome::Done;
    }
    if (!unknown) {
      out = fail_remote(what + ": " + api_error(*r));
      return AttemptOutcome::Done;
    }
    // No answer or a 5xx: the droplet may exist. Look for it by its token
    // before asking again, so one create never makes two droplets.
    out = r ? fail_remote(what + ": " + api_error(*r)) : Result<Server>(std::unexpected(r.error()));
    auto found = find_launched(spec.token);
    if (found && *found) {
      out = **found;
      return AttemptOutcome::Done;
    }
    if (!found) {
      out = std::unexpected(found.error().context("after an unknown outcome of the create"));
      return AttemptOutcome::Done;  // unknown still: the caller's record says so
    }
    if (r) hint = retry_hint(*r, deps_.now());
    return AttemptOutcome::Retry;
  });
  return out;
}

Result<std::optional<Server>> DigitalOceanProvider::find_launched(const std::string& token) {
  auto found = list_tagged(create_token_tag(token));
  if (!found) return std::unexpected(found.error());
  if (found->empty()) return std::optional<Server>();
  return std::optional<Server>(found->front());
}

Result<Server> DigitalOceanProvider::wait_ready(const Server& server) {
  const std::string path = "/v2/droplets/" + server.provider_ref;
  const std::string what = "digitalocean: droplet " + server.provider_ref;
  auto deadline = deps_.now() + config_.create_timeout;
  while (true) {
    auto r = call("GET", path);
    if (!r) return std::unexpected(r.error().context(what + " (left running: it may be healthy)"));
    if (r->status != 200) return fail_remote(what + ": GET " + path + ": " + api_error(*r));
    auto s = droplet_of(*r, config_, what);
    if (!s) return std::unexpected(s.error());
    if (s->tags.empty()) s->tags = server.tags;
    if (s->name.empty()) s->name = server.name;
    if (s->status == "active" && !s->ip.empty()) {
      if (!config_.wait_for_ssh) return s;
      while (!deps_.tcp_accepts(s->ip, s->ssh_port, std::chrono::seconds(3))) {
        if (deps_.now() >= deadline) return fail_remote(what + ": port 22 of " + s->ip + " did not open in time");
        deps_.sleep(config_.poll_interval);
      }
      return s;
    }
    if (s->status == "archive") return fail_remote(what + ": status \"archive\" while waiting for active");
    if (deps_.now() >= deadline) return fail_remote(what + ": not active in time (last status \"" + s->status + "\")");
    deps_.sleep(config_.poll_interval);
  }
}

Status DigitalOceanProvider::destroy(const Server& server) {
  if (server.provider_ref.empty()) return fail("digitalocean: server " + server.id + " has no droplet id");
  const std::string path = "/v2/droplets/" + server.provider_ref;
  auto r = call("DELETE", path);
  if (!r) return std::unexpected(r.error());
  if (ok_status(r->status) || r->status == 404) return {};
  return fail_remote("digitalocean: DELETE " + path + ": " + api_error(*r));
}

Result<std::vector<Server>> DigitalOceanProvider::list() { return list_tagged(config_.tag); }

Result<std::vector<Server>> DigitalOceanProvider::list_tagged(const std::string& tag) {
  std::vector<Server> out;
  const std::string what = "digitalocean: GET /v2/droplets";
  for (int page = 1; page < 1000; ++page) {
    const std::string path = "/v2/droplets?tag_name=" + tag + "&per_page=200&page=" + std::to_string(page);
    auto r = call("GET", path);
    if (!r) return std::unexpected(r.error());
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

Status DigitalOceanProvider::run_action(const Server& server, const std::string& action_json) {
  const std::string path = "/v2/droplets/" + server.provider_ref + "/actions";
  const std::string what = "digitalocean: POST " + path;
  auto r = call("POST", path, action_json);
  if (!r) return std::unexpected(r.error());
  if (!ok_status(r->status)) return fail_remote(what + ": " + api_error(*r));
  auto j = parse_body(*r, what);
  if (!j) return std::unexpected(j.error());
  if (!j->contains("action") || !(*j)["action"].contains("id")) return fail_remote(what + ": response has no action");
  auto id = std::to_string((*j)["action"]["id"].get<long long>());
  auto deadline = deps_.now() + config_.create_timeout;
  std::string status = (*j)["action"].value("status", "");
  while (status != "completed") {
    if (status == "errored") return fail_remote(what + ": action " + id + " errored");
    if (deps_.now() >= deadline) return fail_remote(what + ": action " + id + " not completed in time");
    deps_.sleep(config_.poll_interval);
    auto a = call("GET", "/v2/actions/" + id);
    if (!a) return std::unexpected(a.error());
    if (a->status != 200) return fail_remote("digitalocean: GET /v2/actions/" + id + ": " + api_error(*a));
    auto aj = parse_body(*a, what);
    if (!aj) return std::unexpected(aj.error());
    status = (*aj).contains("action") ? (*aj)["action"].value("status", "") : "";
  }
  return {};
}

Result<Server> DigitalOceanProvider::resize(const Server& server, const std::string& size) {
  // A droplet resizes only while off; the disk stays (a reversible resize).
  if (auto s = run_action(server, R"({"type":"power_off"})"); !s) return std::unexpected(s.error());
  json resize = {{"type", "resize"}, {"disk", false}, {"size", size}};
  if (auto s = run_action(server, resize.dump()); !s) return std::unexpected(s.error());
  if (auto s = run_action(server, R"({"type":"power_on"})"); !s) return std::unexpected(s.error());
  return wait_ready(server);
}

Result<std::vector<SizePrice>> DigitalOceanProvider::sizes() {
  const std::string what = "digitalocean: GET /v2/sizes";
  auto r = call("GET", "/v2/sizes?per_page=200");
  if (!r) return std::unexpected(r.error());
  if (r->status != 200) return fail_remote(what + ": " + api_error(*r));
  auto j = parse_body(*r, what);
  if (!j) return std::unexpected(j.error());
  std::vector<SizePrice> out;
  try {
    for (const auto& s : j->at("sizes"))
      out.push_back({s.at("slug").get<std::string>(), s.at("memory").get<int>(), s.at("vcpus").get<double>(),
                     s.at("price_monthly").get<double>()});
  } catch (const json::exception& e) {
    return fail_remote(what + ": unexpected answer: " + e.what());
  }
  return out;
}

}  // namespace quarry
