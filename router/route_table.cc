#include "router/route_table.h"

#include <algorithm>
#include <set>

#include "core/names.h"
#include "core/text.h"

namespace quarry {

namespace {

// Stack and node names are DNS labels: no '_', which upstream names use as
// their separator.
bool is_name(std::string_view s) { return is_dns_label(s); }

// An nginx user: [a-z0-9_-], 1-32, starting alphanumeric.
bool is_user(std::string_view s) {
  if (s.empty() || s.size() > 32 || s.front() == '-' || s.front() == '_') return false;
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_'; });
}

bool is_port(int p) { return p >= 1 && p <= 65535; }

// An IPv4 address or a host name whose last label is not all digits, so that
// a mistyped address ("10.0.0.256") is not taken for a name.
bool is_address(std::string_view s) {
  if (is_ipv4(s)) return true;
  auto last = s.substr(s.rfind('.') + 1);
  bool numeric = std::all_of(last.begin(), last.end(), [](char c) { return c >= '0' && c <= '9'; });
  return is_host_name(s) && !numeric;
}

Status validate_route(const Route& r, std::set<std::string>& domains, std::set<std::string>& upstreams) {
  if (!is_name(r.stack)) return fail("invalid stack name '" + r.stack + "'");
  if (!is_name(r.node)) return fail("invalid node name '" + r.node + "'");
  if (!upstreams.insert(upstream_name(r)).second) return fail("two routes share the name " + upstream_name(r));
  if (r.domains.empty()) return fail("no domains");
  for (const auto& d : r.domains) {
    if (!is_host_name(d)) return fail("invalid domain '" + d + "'");
    if (!domains.insert(d).second) return fail("domain " + d + " is routed twice");
  }
  for (const auto& u : r.upstreams) {
    auto where = "upstream " + u.address + ":" + std::to_string(u.port);
    if (!is_address(u.address)) return fail("invalid upstream address '" + u.address + "'");
    if (!is_port(u.port)) return fail(where + ": port out of range");
    if (u.weight < 1 || u.weight > 1000) return fail(where + ": weight " + std::to_string(u.weight) + " not in 1..1000");
  }
  return {};
}

}  // namespace

bool is_ipv4(std::string_view s) {
  auto parts = split(s, '.');
  if (parts.size() != 4) return false;
  for (const auto& p : parts) {
    if (p.empty() || p.size() > 3 || (p.size() > 1 && p[0] == '0')) return false;
    if (!std::all_of(p.begin(), p.end(), [](char c) { return c >= '0' && c <= '9'; })) return false;
    if (std::stoi(p) > 255) return false;
  }
  return true;
}

bool is_plain_path(std::string_view s) {
  if (s.empty() || s.front() != '/' || s.find("..") != std::string_view::npos) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '/' || c == '+' || c == '@' || c == '-';
  });
}

std::string upstream_name(const Route& route) { return qualified_name(route.stack, route.node); }

Status validate(const RouterConfig& config) {
  std::set<std::string> domains, upstreams;
  for (const auto& r : config.routes) {
    auto s = validate_route(r, domains, upstreams);
    if (!s) return fail(s.error().context("route " + r.stack + "/" + r.node));
  }
  for (const auto& [domain, cert] : config.tls) {
    if (!domains.count(domain)) return fail("tls: domain '" + domain + "' is not routed");
    if (!is_plain_path(cert.certificate)) return fail("tls " + domain + ": invalid certificate path '" + cert.certificate + "'");
    if (!is_plain_path(cert.key)) return fail("tls " + domain + ": invalid key path '" + cert.key + "'");
  }
  if (!is_port(config.listen_port)) return fail("router: listen port out of range");
  if (!is_port(config.tls_port) || config.tls_port == config.listen_port) return fail("router: invalid tls port");
  if (!config.listen_address.empty() && !is_ipv4(config.listen_address))
    return fail("router: invalid listen address '" + config.listen_address + "'");
  if (config.max_body_mb < 1 || config.max_body_mb > 100000) return fail("router: max body size not in 1..100000 MB");
  if (config.connect_timeout_s < 1 || config.connect_timeout_s > 600) return fail("router: connect timeout not in 1..600 s");
  if (!config.user.empty() && !is_user(config.user)) return fail("router: invalid user '" + config.user + "'");
  return {};
}

}  // namespace quarry
