#include "locknet/iptables_render.h"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <set>

#include "core/text.h"

namespace quarry {

namespace {

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool is_dotted_quad(std::string_view s) {
  auto parts = split(s, '.');
  if (parts.size() != 4) return false;
  for (const auto& p : parts) {
    if (!all_digits(p) || p.size() > 3 || (p.size() > 1 && p[0] == '0') || std::stoi(p) > 255) return false;
  }
  return true;
}

// Splits "ADDR[/BITS]"; bits = -1 when absent, -2 when malformed.
std::pair<std::string, int> split_prefix(std::string_view s, int max_bits) {
  auto slash = s.find('/');
  if (slash == std::string_view::npos) return {std::string(s), -1};
  auto bits = s.substr(slash + 1);
  if (!all_digits(bits) || bits.size() > 3 || (bits.size() > 1 && bits[0] == '0')) return {"", -2};
  int n = std::stoi(std::string(bits));
  if (n > max_bits) return {"", -2};
  return {std::string(s.substr(0, slash)), n};
}

Status check_ports(const std::vector<int>& ports, const char* what) {
  for (int p : ports) {
    if (p < 1 || p > 65535) return fail(std::string("locknet: ") + what + " port " + std::to_string(p) + " out of range");
  }
  return {};
}

Status check_chains(const LocknetPlan& plan) {
  for (const auto* c : {&plan.chain, &plan.docker_chain}) {
    if (!is_chain_name(*c)) return fail("locknet: invalid chain name '" + *c + "'");
  }
  if (plan.chain == plan.docker_chain) return fail("locknet: the two chains need different names");
  return {};
}

std::string line(const std::string& chain, const std::string& rest) { return "-A " + chain + " " + rest; }

}  // namespace

const char* to_string(IpFamily f) { return f == IpFamily::V4 ? "ipv4" : "ipv6"; }

bool is_ipv4_network(std::string_view s) {
  auto [addr, bits] = split_prefix(s, 32);
  return bits != -2 && is_dotted_quad(addr);
}

bool is_ipv6_network(std::string_view s) {
  auto [addr, bits] = split_prefix(s, 128);
  if (bits == -2 || addr.empty() || addr.size() > 45 || addr.find('.') != std::string::npos) return false;
  std::array<unsigned char, 16> buf{};
  return inet_pton(AF_INET6, addr.c_str(), buf.data()) == 1;
}

std::optional<std::string> canonical_network(std::string_view s, IpFamily family) {
  const bool v4 = family == IpFamily::V4;
  if (v4 ? !is_ipv4_network(s) : !is_ipv6_network(s)) return std::nullopt;
  const int max_bits = v4 ? 32 : 128;
  auto [addr, bits] = split_prefix(s, max_bits);
  if (bits < 0) bits = max_bits;
  std::array<unsigned char, 16> buf{};
  if (inet_pton(v4 ? AF_INET : AF_INET6, addr.c_str(), buf.data()) != 1) return std::nullopt;
  const int bytes = max_bits / 8;
  for (int i = 0; i < bytes; ++i) {
    int keep = std::clamp(bits - i * 8, 0, 8);
    buf[static_cast<std::size_t>(i)] &= static_cast<unsigned char>(0xff00 >> keep);
  }
  char text[INET6_ADDRSTRLEN] = {};
  if (!inet_ntop(v4 ? AF_INET : AF_INET6, buf.data(), text, sizeof text)) return std::nullopt;
  return std::string(text) + "/" + std::to_string(bits);
}

bool is_chain_name(std::string_view s) {
  if (s.empty() || s.size() > 28 || s.front() == '-') return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

Result<LocknetRules> render_rules(const LocknetPlan& plan) {
  if (auto s = check_chains(plan); !s) return fail(s.error());
  std::set<std::string> peers;
  for (const auto& p : plan.peers) {
    if (!is_ipv4_network(p) && !is_ipv6_network(p)) return fail("locknet: invalid peer address '" + p + "'");
    if (auto c = canonical_network(p, plan.family)) peers.insert(*c);
  }
  if (auto s = check_ports(plan.public_ports, "public"); !s) return fail(s.error());
  if (auto s = check_ports(plan.router_ports, "router"); !s) return fail(s.error());
  std::set<int> ports(plan.public_ports.begin(), plan.public_ports.end());
  std::set<int> router_ports;
  if (plan.router) router_ports.insert(plan.router_ports.begin(), plan.router_ports.end());
  ports.insert(router_ports.begin(), router_ports.end());
  const bool v4 = plan.family == IpFamily::V4;

  LocknetRules r;
  const auto& c = plan.chain;
  r.input.push_back(line(c, "-i lo -j ACCEPT"));
  // Containers on this server: a node dials its service's port published on
  // the server's own address, which docker's proxy answers from INPUT.
  r.input.push_back(line(c, "-i docker0 -j ACCEPT"));
  r.input.push_back(line(c, "-i br-+ -j ACCEPT"));
  r.input.push_back(line(c, "-m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT"));
  for (const auto& p : peers) r.input.push_back(line(c, "-s " + p + " -j ACCEPT"));
  if (!v4) {
    // Router and neighbour solicitation and advertisement: IPv6's ARP.
    for (int type : {133, 134, 135, 136})
      r.input.push_back(line(c, "-p ipv6-icmp -m icmp6 --icmpv6-type " + std::to_string(type) + " -j ACCEPT"));
  }
  for (int p : ports) r.input.push_back(line(c, "-p tcp -m tcp --dport " + std::to_string(p) + " -j ACCEPT"));
  if (plan.allow_ping) {
    r.input.push_back(line(c, v4 ? "-p icmp -m icmp --icmp-type 8 -j ACCEPT"
                                 : "-p ipv6-icmp -m icmp6 --icmpv6-type 128 -j ACCEPT"));
  }
  r.input.push_back(line(c, "-j DROP"));

  const auto& d = plan.docker_chain;
  r.docker.push_back(line(d, "-m conntrack --ctstate RELATED,ESTABLISHED -j RETURN"));
  r.docker.push_back(line(d, "-i docker0 -j RETURN"));
  r.docker.push_back(line(d, "-i br-+ -j RETURN"));
  for (const auto& p : peers) r.docker.push_back(line(d, "-s " + p + " -j RETURN"));
  for (int p : router_ports)
    r.docker.push_back(line(d, "-p tcp -m conntrack --ctorigdstport " + std::to_string(p) + " -j RETURN"));
  r.docker.push_back(line(d, "-j DROP"));
  return r;
}

Result<std::string> render_locknet(const LocknetPlan& plan, const LocknetState& state) {
  auto rules = render_rules(plan);
  if (!rules) return fail(rules.error());
  const auto& c = plan.chain;
  const auto& d = plan.docker_chain;
  const bool docker = state.docker_user;
  std::string out = "*filter\n:" + c + " - [0:0]\n";
  if (docker) out += ":" + d + " - [0:0]\n";
  out += "-F " + c + "\n";
  if (docker) out += "-F " + d + "\n";
  for (const auto& l : rules->input) out += l + "\n";
  if (docker)
    for (const auto& l : rules->docker) out += l + "\n";
  if (state.jumps <= 0) out += "-I INPUT 1 -j " + c + "\n";
  for (int i = 1; i < state.jumps; ++i) out += "-D INPUT -j " + c + "\n";
  if (docker) {
    if (state.docker_jumps <= 0) out += "-I DOCKER-USER 1 -j " + d + "\n";
    for (int i = 1; i < state.docker_jumps; ++i) out += "-D DOCKER-USER -j " + d + "\n";
  }
  return out + "COMMIT\n";
}

bool rules_match(const LocknetRules& rules, const LocknetState& state) {
  if (!state.chain_exists || state.jumps != 1 || state.input_rules != rules.input) return false;
  if (!state.docker_user) return true;
  return state.docker_chain_exists && state.docker_jumps == 1 && state.docker_rules == rules.docker;
}

Result<std::string> render_unlock(const LocknetPlan& plan, const LocknetState& state) {
  if (auto s = check_chains(plan); !s) return fail(s.error());
  std::string out = "*filter\n";
  for (int i = 0; i < state.jumps; ++i) out += "-D INPUT -j " + plan.chain + "\n";
  for (int i = 0; i < state.docker_jumps; ++i) out += "-D DOCKER-USER -j " + plan.docker_chain + "\n";
  if (state.chain_exists) out += "-F " + plan.chain + "\n-X " + plan.chain + "\n";
  if (state.docker_chain_exists) out += "-F " + plan.docker_chain + "\n-X " + plan.docker_chain + "\n";
  return out + "COMMIT\n";
}

LocknetState parse_locknet_state(const std::string& iptables_s, const LocknetPlan& plan) {
  LocknetState s;
  const std::string own = "-A " + plan.chain + " ";
  const std::string dock = "-A " + plan.docker_chain + " ";
  for (const auto& raw : split_lines(iptables_s)) {
    auto l = std::string(trim(raw));
    if (l == "-N " + plan.chain) s.chain_exists = true;
    if (l == "-N " + plan.docker_chain) s.docker_chain_exists = true;
    if (l == "-N DOCKER-USER") s.docker_user = true;
    if (l == "-A INPUT -j " + plan.chain) ++s.jumps;
    if (l == "-A DOCKER-USER -j " + plan.docker_chain) ++s.docker_jumps;
    if (l.starts_with(own)) s.input_rules.push_back(l);
    if (l.starts_with(dock)) s.docker_rules.push_back(l);
  }
  return s;
}

}  // namespace quarry
