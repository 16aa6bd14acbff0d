#include "cloud/provider_config.h"

#include <nlohmann/json.hpp>

#include <map>
#include <set>

#include "core/text.h"

namespace quarry {

namespace {

using nlohmann::json;

constexpr std::string_view kWhere = "cloud settings";

// Typed reads of one settings object; the first problem is kept and later
// reads do nothing, so parsing reads like a list of fields.
class Reader {
 public:
  Reader(const json& j, std::string provider) : j_(j), provider_(std::move(provider)) {}

  void str(const char* key, std::string& out, bool required = false) {
    seen_.insert(key);
    if (!j_.contains(key)) return missing(key, required);
    if (!j_[key].is_string()) return bad(key, "a string");
    out = j_[key].get<std::string>();
    if (required && out.empty()) return bad(key, "a non-empty string");
  }
  void strings(const char* key, std::vector<std::string>& out) {
    seen_.insert(key);
    if (!j_.contains(key)) return;
    const json& v = j_[key];
    if (!v.is_array()) return bad(key, "a list of strings");
    out.clear();
    for (const auto& e : v) {
      if (!e.is_string()) return bad(key, "a list of strings");
      out.push_back(e.get<std::string>());
    }
  }
  void prices(const char* key, std::map<std::string, double>& out) {
    seen_.insert(key);
    if (!j_.contains(key)) return;
    const json& v = j_[key];
    if (!v.is_object()) return bad(key, "an object of instance type to monthly USD");
    for (const auto& [k, p] : v.items()) {
      if (!p.is_number() || p.get<double>() < 0) return bad(key, "an object of instance type to monthly USD");
      out[k] = p.get<double>();
    }
  }
  void integer(const char* key, int& out, int lo, int hi) {
    seen_.insert(key);
    if (!j_.contains(key)) return;
    if (!j_[key].is_number_integer()) return bad(key, "a whole number");
    auto v = j_[key].get<long long>();
    if (v < lo || v > hi) return bad(key, "between " + std::to_string(lo) + " and " + std::to_string(hi));
    out = static_cast<int>(v);
  }
  void seconds(const char* key, std::chrono::milliseconds& out) {
    seen_.insert(key);
    if (!j_.contains(key)) return;
    if (!j_[key].is_number() || j_[key].get<double>() <= 0) return bad(key, "a positive number of seconds");
    out = std::chrono::milliseconds(static_cast<long long>(j_[key].get<double>() * 1000));
  }
  void boolean(const char* key, bool& out) {
    seen_.insert(key);
    if (!j_.contains(key)) return;
    if (!j_[key].is_boolean()) return bad(key, "true or false");
    out = j_[key].get<bool>();
  }
  void check(bool ok, const char* key, const std::string& what) {
    if (!ok) bad(key, what);
  }
  Status finish() {
    if (!error_.empty()) return fail(std::string(kWhere) + ": " + error_);
    std::vector<std::string> known(seen_.begin(), seen_.end());
    known.push_back("provider");
    for (const auto& [k, v] : j_.items()) {
      if (k == "provider" || seen_.count(k)) continue;
      std::string msg = std::string(kWhere) + ": unknown key \"" + k + "\" for provider " + provider_;
      if (auto near = nearest(k, known)) msg += " (did you mean \"" + *near + "\"?)";
      return fail(msg);
    }
    return {};
  }

 private:
  void missing(const char* key, bool required) {
    if (required && error_.empty()) error_ = "\"" + std::string(key) + "\" is required for provider " + provider_;
  }
  void bad(const char* key, const std::string& what) {
    if (error_.empty()) error_ = "\"" + std::string(key) + "\" must be " + what;
  }
  const json& j_;
  std::string provider_;
  std::set<std::string> seen_;
  std::string error_;
};

bool is_tag(const std::string& s) {
  if (s.empty() || s.size() > 255) return false;
  for (char c : s)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-' && c != ':' && c != '.') return false;
  return true;
}

bool is_user_name(const std::string& s) {
  if (s.empty() || s.size() > 32 || !(std::islower(static_cast<unsigned char>(s[0])) || s[0] == '_')) return false;
  for (char c : s)
    if (!std::islower(static_cast<unsigned char>(c)) && !std::isdigit(static_cast<unsigned char>(c)) && c != '_' &&
        c != '-')
      return false;
  return true;
}

bool is_http_url(const std::string& s) { return starts_with(s, "https://") || starts_with(s, "http://"); }

Status read_local(Reader& r, LocalCloudConfig& c) {
  r.str("cluster_id", c.cluster_id);
  r.integer("subnet_octet", c.subnet_octet, 1, 250);
  r.str("ssh_user", c.ssh_user);
  r.seconds("ready_timeout", c.ready_timeout);
  r.seconds("stop_timeout", c.stop_timeout);
  r.check(c.cluster_id.empty() || check_cluster_id(c.cluster_id).has_value(), "cluster_id",
          "1-6 characters of [a-z0-9]");
  r.check(is_user_name(c.ssh_user), "ssh_user", "a user name of [a-z0-9_-]");
  return r.finish();
}

// The settings DigitalOcean and EC2 share: the SSH user, the cluster's tag
// and id, the waits, and whether unknown servers are given back.
template <class RemoteConfig>
void read_remote_common(Reader& r, RemoteConfig& c) {
  r.str("ssh_user", c.ssh_user);
  r.str("tag", c.tag);
  r.str("cluster_id", c.cluster_id);
  r.check(c.cluster_id.empty() || check_cluster_id(c.cluster_id).has_value(), "cluster_id",
          "1-6 characters of [a-z0-9]");
  r.seconds("poll_interval", c.poll_interval);
  r.seconds("create_timeout", c.create_timeout);
  r.boolean("wait_for_ssh", c.wait_for_ssh);
  r.boolean("gc_destroy_unknown", c.gc_destroy_unknown);
  r.check(is_user_name(c.ssh_user), "ssh_user", "a user name of [a-z0-9_-]");
  r.check(is_tag(c.tag), "tag", "a tag of [A-Za-z0-9_:.-]");
}

Status read_digitalocean(Reader& r, DigitalOceanConfig& c) {
  r.str("token", c.token, true);
  r.str("region", c.region);
  r.str("image", c.image);
  r.str("size", c.size);
  r.strings("ssh_keys", c.ssh_keys);
  r.str("base_url", c.base_url);
  read_remote_common(r, c);
  r.check(is_http_url(c.base_url), "base_url", "an http:// or https:// URL");
  while (!c.base_url.empty() && c.base_url.back() == '/') c.base_url.pop_back();
  return r.finish();
}

Status read_ec2(Reader& r, Ec2Config& c) {
  r.str("access_key_id", c.access_key_id, true);
  r.str("secret_access_key", c.secret_access_key, true);
  r.str("session_token", c.session_token);
  r.str("region", c.region);
  r.str("endpoint", c.endpoint);
  r.str("image_id", c.image_id, true);
  r.str("instance_type", c.instance_type);
  r.str("key_name", c.key_name);
  r.str("subnet_id", c.subnet_id);
  r.strings("security_group_ids", c.security_group_ids);
  r.boolean("use_private_ip", c.use_private_ip);
  r.prices("monthly_prices", c.monthly_prices);
  read_remote_common(r, c);
  r.check(c.endpoint.empty() || is_http_url(c.endpoint), "endpoint", "an http:// or https:// URL");
  r.check(is_tag(c.region), "region", "a region name such as us-east-1");
  return r.finish();
}

}  // namespace

Result<CloudConfig> parse_cloud_config(std::string_view text) {
  json j;
  try {
    j = json::parse(text);
  } catch (const json::parse_error& e) {
    // The parser's own message quotes the text it read, which may be a secret.
    return fail(std::string(kWhere) + ": not valid JSON (at byte " + std::to_string(e.byte) + ")");
  }
  if (!j.is_object()) return fail(std::string(kWhere) + ": expected a JSON object");
  if (!j.contains("provider") || !j["provider"].is_string())
    return fail(std::string(kWhere) + ": \"provider\" is required (local, digitalocean or ec2)");
  CloudConfig c;
  c.provider = j["provider"].get<std::string>();
  Reader r(j, c.provider);
  Status s;
  if (c.provider == "local") s = read_local(r, c.local);
  else if (c.provider == "digitalocean") s = read_digitalocean(r, c.digitalocean);
  else if (c.provider == "ec2") s = read_ec2(r, c.ec2);
  else {
    std::string msg = std::string(kWhere) + ": unknown provider \"" + c.provider + "\"";
    if (auto near = nearest(c.provider, {"local", "digitalocean", "ec2"})) msg += " (did you mean \"" + *near + "\"?)";
    return fail(msg + "; expected local, digitalocean or ec2");
  }
  if (!s) return std::unexpected(s.error());
  return c;
}

std::string default_cluster_id(std::string_view home) { return sha256_hex(home).substr(0, 6); }

}  // namespace quarry
