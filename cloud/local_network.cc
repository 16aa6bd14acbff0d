#include "cloud/local_network.h"

#include "core/file_io.h"
#include "core/subprocess.h"
#include "core/text.h"

namespace quarry {

Argv forward_rule_argv(const std::string& op, const std::string& bridge) {
  return {"iptables", "-w", op, "FORWARD", "-i", bridge, "-o", bridge,
          "-m", "comment", "--comment", "quarry:" + bridge, "-j", "ACCEPT"};
}

std::vector<Argv> server_link_argvs(const LocalNames& n, int index) {
  const auto ns = n.netns(index), veth = n.veth(index), peer = n.peer(index);
  return {
      {"ip", "netns", "add", ns},
      {"ip", "link", "add", veth, "type", "veth", "peer", "name", peer},
      {"ip", "link", "set", peer, "netns", ns},
      {"ip", "link", "set", veth, "master", n.bridge(), "up"},
      {"ip", "-n", ns, "link", "set", peer, "name", "eth0"},
      {"ip", "-n", ns, "link", "set", "eth0", "address", n.mac(index)},
      {"ip", "-n", ns, "addr", "add", n.ip(index) + "/24", "dev", "eth0"},
      {"ip", "-n", ns, "link", "set", "eth0", "up"},
      {"ip", "-n", ns, "link", "set", "lo", "up"},
      {"ip", "-n", ns, "route", "add", "default", "via", n.gateway()},
  };
}

bool link_exists(const std::string& name) { return path_exists("/sys/class/net/" + name); }
bool netns_exists(const std::string& name) { return path_exists("/run/netns/" + name); }

namespace {

std::vector<std::string> with_prefix(const std::vector<std::string>& names, const std::string& prefix) {
  std::vector<std::string> out;
  for (const auto& n : names)
    if (starts_with(n, prefix)) out.push_back(n);
  return out;
}

// Runs "ip ..." commands through as few `ip -batch -` processes as possible:
// consecutive commands with the same "-n NS" option share one.
Status run_ip_batched(const std::vector<Argv>& argvs) {
  std::size_t i = 0;
  while (i < argvs.size()) {
    auto prefix_len = [](const Argv& a) -> std::size_t { return a.size() > 2 && a[1] == "-n" ? 3 : 1; };
    const Argv& first = argvs[i];
    Argv head(first.begin(), first.begin() + static_cast<long>(prefix_len(first)));
    std::string script;
    std::size_t j = i;
    for (; j < argvs.size(); ++j) {
      const Argv& a = argvs[j];
      if (Argv(a.begin(), a.begin() + static_cast<long>(prefix_len(a))) != head) break;
      script += join(Argv(a.begin() + static_cast<long>(prefix_len(a)), a.end()), " ") + "\n";
    }
    Argv argv = head;
    argv.insert(argv.end(), {"-batch", "-"});
    ProcessOptions o;
    o.stdin_data = script;
    if (auto r = run_checked(argv, o); !r) return std::unexpected(r.error().context(trim(script)));
    i = j;
  }
  return {};
}

}  // namespace

std::vector<std::string> netns_with_prefix(const std::string& prefix) {
  return with_prefix(list_dir("/run/netns"), prefix);
}

std::vector<std::string> links_with_prefix(const std::string& prefix) {
  return with_prefix(list_dir("/sys/class/net"), prefix);
}

bool subnet_in_use(int octet, const std::string& own_bridge) {
  auto r = run_process({"ip", "-4", "-o", "addr", "show"});
  if (!r || !r->ok()) return false;
  const std::string net = "10.77." + std::to_string(octet) + ".";
  for (const auto& line : split_lines(r->out)) {
    // "5: qbr-abc    inet 10.77.3.1/24 brd ... scope global qbr-abc"
    auto fields = split(line, ' ');
    std::vector<std::string> words;
    for (auto& f : fields)
      if (!f.empty()) words.push_back(f);
    if (words.size() < 4 || words[2] != "inet") continue;
    if (starts_with(words[3], net) && words[1] != own_bridge) return true;
  }
  return false;
}

Status ensure_bridge(const LocalNames& n) {
  const auto br = n.bridge();
  if (!link_exists(br))
    if (auto r = run_checked({"ip", "link", "add", br, "type", "bridge"}); !r) return std::unexpected(r.error());
  auto addrs = run_checked({"ip", "-4", "-o", "addr", "show", "dev", br});
  if (!addrs) return std::unexpected(addrs.error());
  if (addrs->out.find(" " + n.gateway() + "/24") == std::string::npos)
    if (auto r = run_checked({"ip", "addr", "add", n.gateway() + "/24", "dev", br}); !r)
      return std::unexpected(r.error());
  if (auto r = run_checked({"ip", "link", "set", br, "up"}); !r) return std::unexpected(r.error());
  return {};
}

Status remove_bridge(const LocalNames& n) {
  if (!link_exists(n.bridge())) return {};
  auto r = run_checked({"ip", "link", "del", n.bridge()});
  if (!r && link_exists(n.bridge())) return std::unexpected(r.error());
  return {};
}

Status ensure_forward_rule(const std::string& bridge) {
  auto check = run_process(forward_rule_argv("-C", bridge));
  if (check && check->ok()) return {};
  if (auto r = run_checked(forward_rule_argv("-I", bridge)); !r) return std::unexpected(r.error());
  return {};
}

Status remove_forward_rule(const std::string& bridge) {
  // Delete every copy: an interrupted run may have inserted it twice.
  for (int i = 0; i < 10; ++i) {
    auto check = run_process(forward_rule_argv("-C", bridge));
    if (!check || !check->ok()) return {};
    if (auto r = run_checked(forward_rule_argv("-D", bridge)); !r) return std::unexpected(r.error());
  }
  return {};
}

Status add_server_link(const LocalNames& names, int index) {
  return run_ip_batched(server_link_argvs(names, index));
}

Status remove_server_link(const LocalNames& n, int index) {
  const auto veth = n.veth(index), peer = n.peer(index), ns = n.netns(index);
  for (const auto& name : {veth, peer})
    if (link_exists(name)) {
      auto r = run_checked({"ip", "link", "del", name});
      if (!r && link_exists(name)) return std::unexpected(r.error());
    }
  if (netns_exists(ns)) {
    auto r = run_checked({"ip", "netns", "del", ns});
    if (!r && netns_exists(ns)) return std::unexpected(r.error());
  }
  return {};
}

}  // namespace quarry
