#include "cloud/ec2_provider.h"

#include <openssl/evp.h>

#include <memory>

#include <pugixml.hpp>

#include "cloud/cloud_init.h"
#include "cloud/instance_sizes.h"
#include "cloud/server_names.h"
#include "cloud/sigv4.h"
#include "core/text.h"

namespace quarry {

namespace {

constexpr std::string_view kVersion = "2016-11-15";
constexpr std::string_view kCreateTag = "quarry-create";

std::string endpoint_of(const Ec2Config& c) {
  return c.endpoint.empty() ? "https://ec2." + c.region + ".amazonaws.com" : c.endpoint;
}

// "https://host:port/path" -> "host:port" (the Host header and the signed host).
std::string host_of(const std::string& url) {
  auto start = url.find("://");
  start = start == std::string::npos ? 0 : start + 3;
  auto end = url.find('/', start);
  return url.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

std::string path_of(const std::string& url) {
  auto start = url.find("://");
  start = start == std::string::npos ? 0 : start + 3;
  auto slash = url.find('/', start);
  return slash == std::string::npos ? "/" : url.substr(slash);
}

std::string text_of(const pugi::xml_node& n, const char* child) { return trim(n.child(child).text().as_string()); }

Server to_server(const pugi::xml_node& item, const Ec2Config& config) {
  Server s;
  s.provider = "ec2";
  s.provider_ref = text_of(item, "instanceId");
  s.id = s.provider_ref;
  s.ssh_user = config.ssh_user;
  s.ip = config.use_private_ip ? text_of(item, "privateIpAddress") : text_of(item, "ipAddress");
  s.size = text_of(item, "instanceType");
  s.status = text_of(item.child("instanceState"), "name");
  if (auto size = find_size(ec2_instance_types(), s.size); size) {
    s.memory_mb = size->memory_mb;
    s.cpu = size->cpu;
  }
  for (auto t : item.child("tagSet").children("item")) {
    auto key = text_of(t, "key");
    auto value = text_of(t, "value");
    if (key == "Name") s.name = value;
    else if (key != config.tag && key != kCreateTag) s.tags.push_back(value.empty() ? key : key + "=" + value);
  }
  return s;
}

// One parsed answer; pugixml's document is neither copied nor moved.
Result<std::unique_ptr<pugi::xml_document>> parse(std::string_view xml) {
  auto doc = std::make_unique<pugi::xml_document>();
  auto r = doc->load_buffer(xml.data(), xml.size());
  if (!r) return fail_remote(std::string("EC2 answer is not XML: ") + r.description() + " at byte " +
                             std::to_string(r.offset));
  return doc;
}

}  // namespace

std::string openssl_base64(std::string_view data) {
  std::string out(4 * ((data.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(data.data()), static_cast<int>(data.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

std::pair<std::string, std::string> ec2_error_of(std::string_view xml) {
  auto doc = parse(xml);
  if (!doc) return {};
  auto e = (*doc)->select_node("//Error").node();
  if (!e) return {};
  auto code = text_of(e, "Code");
  auto message = text_of(e, "Message");
  if (code.empty() && message.empty()) return {};
  return {code, code + (message.empty() ? std::string() : ": " + message)};
}

Result<std::vector<Server>> ec2_parse_instances(std::string_view xml, const Ec2Config& config) {
  auto doc = parse(xml);
  if (!doc) return std::unexpected(doc.error());
  std::vector<Server> out;
  auto root = (*doc)->document_element();
  auto add_set = [&](const pugi::xml_node& set) {
    for (auto item : set.children("item")) out.push_back(to_server(item, config));
  };
  if (auto reservations = root.child("reservationSet")) {
    for (auto r : reservations.children("item")) add_set(r.child("instancesSet"));
  } else {
    add_set(root.child("instancesSet"));
  }
  return out;
}

Result<Ec2Params> ec2_run_instances_params(const Ec2Config& config, const ServerSpec& spec) {
  if (config.image_id.empty()) return fail("ec2: image_id is not set");
  if (auto s = check_server_name(spec.name); !s) return std::unexpected(s.error());
  for (const auto& t : spec.tags)
    if (auto s = check_server_tag(t); !s) return std::unexpected(s.error());
  std::string type = !spec.size.empty() ? spec.size : config.instance_type;
  if (type.empty()) {
    auto picked = pick_size(ec2_instance_types(), spec.memory_mb, spec.cpu);
    if (!picked) return std::unexpected(picked.error().context("ec2"));
    type = picked->name;
  }
  CloudInitOptions ci{config.ssh_user,           config.authorized_key, spec.host_key_private,
                      spec.host_key_public,     spec.name,             config.authorized_keys};
  Ec2Params p = {
      {"ImageId", config.image_id},
      {"InstanceType", type},
      {"MinCount", "1"},
      {"MaxCount", "1"},
      {"UserData", openssl_base64(render_cloud_init(ci))},
  };
  if (!spec.token.empty()) p.emplace_back("ClientToken", spec.token);
  if (!config.key_name.empty()) p.emplace_back("KeyName", config.key_name);
  if (!config.subnet_id.empty()) p.emplace_back("SubnetId", config.subnet_id);
  for (std::size_t i = 0; i < config.security_group_ids.size(); ++i)
    p.emplace_back("SecurityGroupId." + std::to_string(i + 1), config.security_group_ids[i]);
  const std::string ts = "TagSpecification.1.";
  p.emplace_back(ts + "ResourceType", "instance");
  std::vector<std::pair<std::string, std::string>> tags = {{"Name", spec.name}, {config.tag, ""}};
  if (!spec.token.empty()) tags.emplace_back(std::string(kCreateTag), spec.token);
  for (const auto& t : spec.tags) {
    auto eq = t.find('=');
    tags.emplace_back(t.substr(0, eq), eq == std::string::npos ? "" : t.substr(eq + 1));
  }
  for (std::size_t i = 0; i < tags.size(); ++i) {
    auto n = ts + "Tag." + std::to_string(i + 1) + ".";
    p.emplace_back(n + "Key", tags[i].first);
    p.emplace_back(n + "Value", tags[i].second);
  }
  return p;
}

bool Ec2Provider::Answer::retryable() const {
  return status == 0 || retryable_status(status) || retryable_ec2_code(code);
}

Ec2Provider::Ec2Provider(Ec2Config config, HttpClient& http, WaitDeps deps)
    : config_(std::move(config)), http_(http), deps_(std::move(deps)) {}

Ec2Provider::Answer Ec2Provider::send_once(const std::string& action, const Ec2Params& params) {
  const std::string what = "ec2: " + action;
  std::vector<std::string> parts = {"Action=" + aws_uri_encode(action), "Version=" + std::string(kVersion)};
  for (const auto& [k, v] : params) parts.push_back(aws_uri_encode(k) + "=" + aws_uri_encode(v));
  std::string body = join(parts, "&");

  const std::string url = endpoint_of(config_);
  SigV4Request sr;
  sr.method = "POST";
  sr.path = path_of(url);
  sr.payload = body;
  sr.headers = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"},
                {"Host", host_of(url)},
                {"X-Amz-Date", amz_date(deps_.now())}};
  if (!config_.session_token.empty()) sr.headers.emplace_back("X-Amz-Security-Token", config_.session_token);
  SigV4Scope scope{sr.headers[2].second, config_.region, "ec2"};

  HttpRequest req;
  req.method = "POST";
  req.url = url;
  req.headers = sr.headers;
  req.headers.emplace_back("Authorization",
                           sigv4_authorization(sr, {config_.access_key_id, config_.secret_access_key}, scope));
  req.body = body;
  Answer a;
  auto r = http_.send(req);
  if (!r) {
    a.error = r.error().context("ec2").message;
    return a;
  }
  a.status = r->status;
  a.body = std::move(r->body);
  if (!a.ok()) {
    auto [code, detail] = ec2_error_of(a.body);
    a.code = code;
    if (detail.empty()) detail = trim(a.body.substr(0, 200));
    a.error = what + ": HTTP " + std::to_string(a.status) + (detail.empty() ? "" : ": " + detail);
  }
  return a;
}

Ec2Provider::Answer Ec2Provider::call(const std::string& action, const Ec2Params& params, bool idempotent) {
  Answer last;
  Retrier{config_.retry, deps_}.run([&](int, std::optional<std::chrono::milliseconds>&) {
    last = send_once(action, params);
    if (last.ok() || !last.retryable()) return AttemptOutcome::Done;
    // Throttling says the request was refused, so even a create may repeat.
    bool refused = retryable_ec2_code(last.code) && last.code != "InternalError" && last.code != "Unavailable" &&
                   last.code != "ServiceUnavailable" && last.code != "InternalFailure";
    return idempotent || refused ? AttemptOutcome::Retry : AttemptOutcome::Done;
  });
  return last;
}

Result<std::vector<Server>> Ec2Provider::describe(const Ec2Params& filters) {
  std::vector<Server> out;
  std::string next;
  for (int page = 0; page < 1000; ++page) {
    Ec2Params p = filters;
    p.emplace_back("MaxResults", "1000");
    if (!next.empty()) p.emplace_back("NextToken", next);
    auto a = call("DescribeInstances", p);
    if (!a.ok()) return fail_remote(a.error);
    auto servers = ec2_parse_instances(a.body, config_);
    if (!servers) return std::unexpected(servers.error().context("ec2: DescribeInstances"));
    for (auto& s : *servers) out.push_back(std::move(s));
    auto doc = parse(a.body);
    next = doc ? text_of((*doc)->document_element(), "nextToken") : std::string();
    if (next.empty()) break;
  }
  return out;
}

Result<Server> Ec2Provider::launch(const ServerSpec& spec) {
  if (spec.token.empty()) return fail("ec2: a create needs a token");
  auto params = ec2_run_instances_params(config_, spec);
  if (!params) return std::unexpected(params.error());
  Result<Server> out = fail_remote("ec2: RunInstances: not sent");
  Retrier{config_.retry, deps_}.run([&](int, std::optional<std::chrono::milliseconds>&) {
    auto a = call("RunInstances", *params, false);
    if (a.ok()) {
      auto servers = ec2_parse_instances(a.body, config_);
      if (!servers) out = std::unexpected(servers.error().context("ec2: RunInstances"));
      else if (servers->empty() || servers->front().provider_ref.empty())
        out = fail_remote("ec2: RunInstances: answer has no instance");
      else out = servers->front();
      return AttemptOutcome::Done;
    }
    out = fail_remote(a.error);
    if (!a.retryable()) return AttemptOutcome::Done;
    // The instance may exist (the answer was lost or the server failed half
    // way): look before asking again. The ClientToken makes a repeat safe on
    // EC2 itself; the look makes it safe on any endpoint.
    auto found = find_launched(spec.token);
    if (found && *found) {
      out = **found;
      return AttemptOutcome::Done;
    }
    if (!found) {
      out = std::unexpected(found.error().context("after an unknown outcome of RunInstances"));
      return AttemptOutcome::Done;
    }
    return AttemptOutcome::Retry;
  });
  if (out && out->name.empty()) out->name = spec.name;
  return out;
}

Result<std::optional<Server>> Ec2Provider::find_launched(const std::string& token) {
  auto found = describe({{"Filter.1.Name", "tag:" + std::string(kCreateTag)}, {"Filter.1.Value.1", token}});
  if (!found) return std::unexpected(found.error());
  for (auto& s : *found)
    if (s.status != "terminated" && s.status != "shutting-down") return std::optional<Server>(s);
  return std::optional<Server>();
}

Result<Server> Ec2Provider::wait_state(const Server& server, const std::string& want) {
  const std::string what = "ec2: instance " + server.provider_ref;
  auto deadline = deps_.now() + config_.create_timeout;
  std::string state = "pending";
  while (true) {
    auto a = call("DescribeInstances", {{"InstanceId.1", server.provider_ref}});
    // Right after RunInstances the instance may not be visible yet.
    if (!a.ok() && a.code != "InvalidInstanceID.NotFound")
      return fail_remote(a.error + " (" + what + " left as it is: it may be healthy)");
    if (a.ok()) {
      auto servers = ec2_parse_instances(a.body, config_);
      if (!servers) return std::unexpected(servers.error().context(what));
      if (!servers->empty()) {
        Server s = servers->front();
        state = s.status;
        if (s.name.empty()) s.name = server.name;
        if (state == want && (want != "running" || !s.ip.empty())) return s;
        if (state == "terminated" || state == "shutting-down")
          return fail_remote(what + ": state \"" + state + "\" while waiting for " + want);
      }
    }
    if (deps_.now() >= deadline) return fail_remote(what + ": not " + want + " in time (last state \"" + state + "\")");
    deps_.sleep(config_.poll_interval);
  }
}

Result<Server> Ec2Provider::wait_ready(const Server& server) {
  auto s = wait_state(server, "running");
  if (!s || !config_.wait_for_ssh) return s;
  auto deadline = deps_.now() + config_.create_timeout;
  while (!deps_.tcp_accepts(s->ip, s->ssh_port, std::chrono::seconds(3))) {
    if (deps_.now() >= deadline)
      return fail_remote("ec2: instance " + s->provider_ref + ": port 22 of " + s->ip + " did not open in time");
    deps_.sleep(config_.poll_interval);
  }
  return s;
}

Status Ec2Provider::destroy(const Server& server) {
  if (server.provider_ref.empty()) return fail("ec2: server " + server.id + " has no instance id");
  auto a = call("TerminateInstances", {{"InstanceId.1", server.provider_ref}});
  if (a.ok() || a.code == "InvalidInstanceID.NotFound") return {};
  return fail_remote(a.error);
}

Result<std::vector<Server>> Ec2Provider::list() {
  return describe({{"Filter.1.Name", "tag-key"},
                   {"Filter.1.Value.1", config_.tag},
                   {"Filter.2.Name", "instance-state-name"},
                   {"Filter.2.Value.1", "pending"},
                   {"Filter.2.Value.2", "running"},
                   {"Filter.2.Value.3", "stopping"},
                   {"Filter.2.Value.4", "stopped"}});
}

Result<Server> Ec2Provider::resize(const Server& server, const std::string& size) {
  if (auto known = find_size(ec2_instance_types(), size); !known) return std::unexpected(known.error().context("ec2"));
  const Ec2Params id = {{"InstanceId.1", server.provider_ref}};
  if (auto a = call("StopInstances", id); !a.ok()) return fail_remote(a.error);
  if (auto s = wait_state(server, "stopped"); !s) return std::unexpected(s.error());
  auto m = call("ModifyInstanceAttribute", {{"InstanceId", server.provider_ref}, {"InstanceType.Value", size}});
  if (!m.ok()) return fail_remote(m.error);
  if (auto a = call("StartInstances", id); !a.ok()) return fail_remote(a.error);
  return wait_ready(server);
}

Result<std::vector<SizePrice>> Ec2Provider::sizes() {
  std::vector<SizePrice> out;
  for (const auto& s : ec2_instance_types()) {
    auto price = config_.monthly_prices.find(s.name);
    out.push_back({s.name, s.memory_mb, s.cpu, price == config_.monthly_prices.end() ? 0.0 : price->second});
  }
  return out;
}

}  // namespace quarry
