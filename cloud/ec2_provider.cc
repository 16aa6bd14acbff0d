#include "cloud/ec2_provider.h"

#include <openssl/evp.h>

#include "cloud/cloud_init.h"
#include "cloud/instance_sizes.h"
#include "cloud/sigv4.h"
#include "core/text.h"

namespace quarry {

namespace {

constexpr std::string_view kVersion = "2016-11-15";

std::string base64(std::string_view data) {
  std::string out(4 * ((data.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(data.data()), static_cast<int>(data.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

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

Server to_server(const XmlNode& item, const Ec2Config& config) {
  Server s;
  s.provider = "ec2";
  s.provider_ref = item.child_text("instanceId");
  s.id = s.provider_ref;
  s.ssh_user = config.ssh_user;
  s.ip = config.use_private_ip ? item.child_text("privateIpAddress") : item.child_text("ipAddress");
  if (auto size = find_size(ec2_instance_types(), item.child_text("instanceType")); size) {
    s.memory_mb = size->memory_mb;
    s.cpu = size->cpu;
  }
  if (const XmlNode* tags = item.child("tagSet")) {
    for (const auto& t : tags->children) {
      auto key = t.child_text("key");
      auto value = t.child_text("value");
      if (key == "Name") s.name = value;
      else if (key != config.tag) s.tags.push_back(value.empty() ? key : key + "=" + value);
    }
  }
  return s;
}

std::string state_of(const XmlNode& item) {
  const XmlNode* st = item.child("instanceState");
  return st ? st->child_text("name") : std::string();
}

// The first instance item of an answer, or nullptr.
const XmlNode* first_instance(const XmlNode& response) {
  const XmlNode* set = response.find("instancesSet");
  return set ? set->child("item") : nullptr;
}

}  // namespace

std::string ec2_error_text(const XmlNode& response) {
  const XmlNode* e = response.name == "Error" ? &response : response.find("Error");
  if (!e) return "";
  auto code = e->child_text("Code");
  auto message = e->child_text("Message");
  if (code.empty() && message.empty()) return "";
  return code + (message.empty() ? "" : ": " + message);
}

std::vector<Server> ec2_parse_instances(const XmlNode& response, const Ec2Config& config) {
  std::vector<Server> out;
  auto add_set = [&](const XmlNode& set) {
    for (const auto& item : set.children)
      if (item.name == "item") out.push_back(to_server(item, config));
  };
  if (const XmlNode* reservations = response.child("reservationSet")) {
    for (const auto& r : reservations->children)
      if (const XmlNode* set = r.child("instancesSet")) add_set(*set);
  } else if (const XmlNode* set = response.child("instancesSet")) {
    add_set(*set);
  }
  return out;
}

Result<std::vector<std::pair<std::string, std::string>>> ec2_run_instances_params(const Ec2Config& config,
                                                                                  const ServerSpec& spec) {
  if (config.image_id.empty()) return fail("ec2: image_id is not set");
  std::string type = config.instance_type;
  if (type.empty()) {
    auto picked = pick_size(ec2_instance_types(), spec.memory_mb, spec.cpu);
    if (!picked) return std::unexpected(picked.error().context("ec2"));
    type = picked->name;
  }
  std::vector<std::pair<std::string, std::string>> p = {
      {"ImageId", config.image_id},
      {"InstanceType", type},
      {"MinCount", "1"},
      {"MaxCount", "1"},
      {"UserData", base64(render_cloud_init({config.ssh_user, config.authorized_key}))},
  };
  if (!config.key_name.empty()) p.emplace_back("KeyName", config.key_name);
  if (!config.subnet_id.empty()) p.emplace_back("SubnetId", config.subnet_id);
  for (std::size_t i = 0; i < config.security_group_ids.size(); ++i)
    p.emplace_back("SecurityGroupId." + std::to_string(i + 1), config.security_group_ids[i]);
  const std::string ts = "TagSpecification.1.";
  p.emplace_back(ts + "ResourceType", "instance");
  std::vector<std::pair<std::string, std::string>> tags = {{"Name", spec.name}, {config.tag, ""}};
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

Ec2Provider::Ec2Provider(Ec2Config config, HttpClient& http, WaitDeps deps)
    : config_(std::move(config)), http_(http), deps_(std::move(deps)) {}

Result<XmlNode> Ec2Provider::call(const std::string& action, const Params& params) {
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
  auto r = http_.send(req);
  if (!r) return std::unexpected(r.error().context("ec2"));
  auto doc = parse_xml(r->body);
  if (r->status < 200 || r->status > 299) {
    std::string detail = doc ? ec2_error_text(*doc) : std::string();
    if (detail.empty()) detail = trim(r->body.substr(0, 200));
    return fail_remote(what + ": HTTP " + std::to_string(r->status) + (detail.empty() ? "" : ": " + detail));
  }
  if (!doc) return std::unexpected(doc.error().context(what));
  return doc;
}

Result<Server> Ec2Provider::create(const ServerSpec& spec) {
  auto params = ec2_run_instances_params(config_, spec);
  if (!params) return std::unexpected(params.error());
  auto doc = call("RunInstances", *params);
  if (!doc) return std::unexpected(doc.error());
  const XmlNode* item = first_instance(*doc);
  if (!item || item->child_text("instanceId").empty()) return fail_remote("ec2: RunInstances: answer has no instance");
  Server made = to_server(*item, config_);
  auto ready = wait_running(made.provider_ref, spec);
  if (!ready) {
    (void)destroy(made);
    return std::unexpected(ready.error());
  }
  return ready;
}

Result<Server> Ec2Provider::wait_running(const std::string& instance_id, const ServerSpec& spec) {
  const std::string what = "ec2: instance " + instance_id;
  auto deadline = deps_.now() + config_.create_timeout;
  std::string state = "pending";
  while (true) {
    auto doc = call("DescribeInstances", {{"InstanceId.1", instance_id}});
    // Right after RunInstances the instance may not be visible yet.
    bool not_yet = !doc && doc.error().message.find("InvalidInstanceID.NotFound") != std::string::npos;
    if (!doc && !not_yet) return std::unexpected(doc.error());
    if (doc) {
      auto servers = ec2_parse_instances(*doc, config_);
      const XmlNode* reservations = doc->child("reservationSet");
      const XmlNode* item = reservations ? reservations->find("instancesSet") : nullptr;
      item = item ? item->child("item") : nullptr;
      if (item) state = state_of(*item);
      if (state == "running" && !servers.empty() && !servers.front().ip.empty()) {
        Server s = servers.front();
        if (s.name.empty()) s.name = spec.name;
        if (!config_.wait_for_ssh) return s;
        while (!deps_.tcp_accepts(s.ip, s.ssh_port, std::chrono::seconds(3))) {
          if (deps_.now() >= deadline) return fail_remote(what + ": port 22 of " + s.ip + " did not open in time");
          deps_.sleep(config_.poll_interval);
        }
        return s;
      }
      if (state == "terminated" || state == "shutting-down" || state == "stopped" || state == "stopping")
        return fail_remote(what + ": state \"" + state + "\" while waiting for running");
    }
    if (deps_.now() >= deadline) return fail_remote(what + ": not running in time (last state \"" + state + "\")");
    deps_.sleep(config_.poll_interval);
  }
}

Status Ec2Provider::destroy(const Server& server) {
  if (server.provider_ref.empty()) return fail("ec2: server " + server.id + " has no instance id");
  auto doc = call("TerminateInstances", {{"InstanceId.1", server.provider_ref}});
  if (!doc && doc.error().message.find("InvalidInstanceID.NotFound") != std::string::npos) return {};
  if (!doc) return std::unexpected(doc.error());
  return {};
}

Result<std::vector<Server>> Ec2Provider::list() {
  std::vector<Server> out;
  std::string next;
  for (int page = 0; page < 1000; ++page) {
    Params p = {{"Filter.1.Name", "tag-key"},
                {"Filter.1.Value.1", config_.tag},
                {"Filter.2.Name", "instance-state-name"},
                {"Filter.2.Value.1", "pending"},
                {"Filter.2.Value.2", "running"},
                {"MaxResults", "1000"}};
    if (!next.empty()) p.emplace_back("NextToken", next);
    auto doc = call("DescribeInstances", p);
    if (!doc) return std::unexpected(doc.error());
    for (auto& s : ec2_parse_instances(*doc, config_)) out.push_back(std::move(s));
    next = doc->child_text("nextToken");
    if (next.empty()) break;
  }
  return out;
}

}  // namespace quarry
