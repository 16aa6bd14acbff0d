#include "locknet/iptables_render.h"

#include <algorithm>
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

// "10.0.0.1" -> "10.0.0.1/32", the form iptables -S prints back.
std::string with_prefix(const std::string& peer) {
  return peer.find('/') == std::string::npos ? peer + "/32" : peer;
}

Status check_ports(const std::vector<int>& ports, const char* what) {
  for (int p : ports) {
    if (p < 1 || p > 65535) return fail(std::string("locknet: ") + what + " port " + std::to_string(p) + " out of range");
  }
  return {};
}

}  // namespace

bool is_ipv4_network(std::string_view s) {
  auto slash = s.find('/');
  if (slash == std::string_view::npos) return is_dotted_quad(s);
  auto bits = s.substr(slash + 1);
  if (!all_digits(bits) || bits.size() > 2 || (bits.size() > 1 && bits[0] == '0')) return false;
  return std::stoi(std::string(bits)) <= 32 && is_dotted_quad(s.substr(0, slash));
}

bool is_chain_name(std::string_view s) {
  if (s.empty() || s.size() > 28 || s.front() == '-') return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

Result<std::string> render_locknet(const LocknetPlan& plan, int existing_jumps) {
  if (!is_chain_name(plan.chain)) return fail("locknet: invalid chain name '" + plan.chain + "'");
  std::set<std::string> peers;
  for (const auto& p : plan.peers) {
    if (!is_ipv4_network(p)) return fail("locknet: invalid peer address '" + p + "'");
    peers.insert(with_prefix(p));
  }
  if (auto s = check_ports(plan.public_ports, "public"); !s) return fail(s.error());
  if (auto s = check_ports(plan.router_ports, "router"); !s) return fail(s.error());
  std::set<int> ports(plan.public_ports.begin(), plan.public_ports.end());
  if (plan.router) ports.insert(plan.router_ports.begin(), plan.router_ports.end());

  const auto& c = plan.chain;
  std::string out = "*filter\n:" + c + " - [0:0]\n-F " + c + "\n";
  out += "-A " + c + " -i lo -j ACCEPT\n";
  out += "-A " + c + " -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n";
  for (const auto& p : peers) out += "-A " + c + " -s " + p + " -j ACCEPT\n";
  for (int p : ports) out += "-A " + c + " -p tcp -m tcp --dport " + std::to_string(p) + " -j ACCEPT\n";
  if (plan.allow_ping) out += "-A " + c + " -p icmp -m icmp --icmp-type 8 -j ACCEPT\n";
  out += "-A " + c + " -j DROP\n";
  if (existing_jumps <= 0) out += "-I INPUT 1 -j " + c + "\n";
  for (int i = 1; i < existing_jumps; ++i) out += "-D INPUT -j " + c + "\n";
  return out + "COMMIT\n";
}

Result<std::string> render_unlock(const std::string& chain, int jumps, bool chain_exists) {
  if (!is_chain_name(chain)) return fail("locknet: invalid chain name '" + chain + "'");
  std::string out = "*filter\n";
  for (int i = 0; i < jumps; ++i) out += "-D INPUT -j " + chain + "\n";
  if (chain_exists) out += "-F " + chain + "\n-X " + chain + "\n";
  return out + "COMMIT\n";
}

}  // namespace quarry
