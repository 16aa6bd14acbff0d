#include "tests/fakes/fake_docker.h"

#include <cstdio>
#include <optional>

#include <nlohmann/json.hpp>

namespace quarry {

void FakeDocker::cut(const std::string& host, bool down) {
  std::lock_guard lock(mu_);
  if (down) cut_.insert(host);
  else cut_.erase(host);
}

void FakeDocker::kill(const std::string& host, const std::string& name, bool remove) {
  std::lock_guard lock(mu_);
  auto& list = hosts_[host];
  if (remove) list.erase(name);
  else if (list.count(name)) list[name].running = false;
}

void FakeDocker::crashing(const std::string& name, bool crash) {
  std::lock_guard lock(mu_);
  if (crash) crashing_.insert(name);
  else crashing_.erase(name);
}

void FakeDocker::restarting(const std::string& name, int count) {
  std::lock_guard lock(mu_);
  if (count < 0) {
    restarting_.erase(name);
    return;
  }
  restarting_.insert(name);
  restart_counts_[name] = count;
}

void FakeDocker::put(const std::string& host, Container c) {
  std::lock_guard lock(mu_);
  hosts_[host][c.name] = std::move(c);
}

std::vector<FakeDocker::Container> FakeDocker::on(const std::string& host) const {
  std::lock_guard lock(mu_);
  std::vector<Container> out;
  if (auto it = hosts_.find(host); it != hosts_.end()) {
    for (const auto& [n, c] : it->second) out.push_back(c);
  }
  return out;
}

bool FakeDocker::running(const std::string& host, const std::string& name) const {
  std::lock_guard lock(mu_);
  auto it = hosts_.find(host);
  return it != hosts_.end() && it->second.count(name) && it->second.at(name).running;
}

int FakeDocker::runs() const {
  std::lock_guard lock(mu_);
  return runs_;
}

int FakeDocker::starts() const {
  std::lock_guard lock(mu_);
  return starts_;
}

Result<ProcessResult> FakeDocker::run(const Endpoint& host, const Command& cmd) {
  std::lock_guard lock(mu_);
  if (cut_.count(host.name)) return fail_remote(host.name + ": connect to " + host.address + ": No route to host");
  if (cmd.argv.size() >= 2 && cmd.argv[0] == "docker") return docker(host.name, cmd.argv);
  // A container start (start_with_env_file): the env file, then docker run.
  if (cmd.argv.size() > 7 && cmd.argv[0] == "sh" && cmd.argv[6] == "docker" && cmd.argv[7] == "run") {
    uploads_[host.name].push_back(cmd.stdin_data);
    return docker(host.name, Argv(cmd.argv.begin() + 6, cmd.argv.end()));
  }
  if (!cmd.stdin_data.empty()) uploads_[host.name].push_back(cmd.stdin_data);
  return ProcessResult{};
}

std::vector<std::string> FakeDocker::uploads(const std::string& host) const {
  std::lock_guard lock(mu_);
  auto it = uploads_.find(host);
  return it == uploads_.end() ? std::vector<std::string>{} : it->second;
}

std::string FakeDocker::resolve(const std::map<std::string, Container>& list, const std::string& ref) {
  if (list.count(ref)) return ref;
  for (const auto& [name, c] : list) {
    if (!c.id.empty() && c.id == ref) return name;
  }
  return "";
}

Result<ProcessResult> FakeDocker::docker(const std::string& host, const Argv& argv) {
  auto& list = hosts_[host];
  const std::string& verb = argv[1];
  const std::string last = resolve(list, argv.back());
  if (verb == "run") {
    Container c;
    for (std::size_t i = 2; i + 1 < argv.size(); ++i) {
      if (argv[i] == "--name") c.name = argv[i + 1];
      if (argv[i] == "--label") {
        auto eq = argv[i + 1].find('=');
        c.labels[argv[i + 1].substr(0, eq)] = argv[i + 1].substr(eq + 1);
      }
    }
    ++runs_;
    char id[65];
    std::snprintf(id, sizeof id, "%064x", static_cast<unsigned>(runs_));
    c.id = id;
    list[c.name] = c;
    return ProcessResult{0, c.id + "\n", {}, false};
  }
  if (verb == "ps") {
    // --filter label=K=V and label=K, as docker applies them.
    std::vector<std::pair<std::string, std::optional<std::string>>> wanted;
    for (std::size_t i = 2; i + 1 < argv.size(); ++i) {
      if (argv[i] != "--filter" || !argv[i + 1].starts_with("label=")) continue;
      auto label = argv[i + 1].substr(6);
      auto eq = label.find('=');
      if (eq == std::string::npos) wanted.emplace_back(label, std::nullopt);
      else wanted.emplace_back(label.substr(0, eq), label.substr(eq + 1));
    }
    auto matches = [&](const Container& c) {
      for (const auto& [k, v] : wanted) {
        auto it = c.labels.find(k);
        if (it == c.labels.end() || (v && it->second != *v)) return false;
      }
      return true;
    };
    std::string out;
    for (const auto& [name, c] : list) {
      if (!matches(c)) continue;
      std::string labels;
      for (const auto& [k, v] : c.labels) labels += (labels.empty() ? "" : ",") + k + "=" + v;
      nlohmann::json j = {{"ID", c.id.empty() ? std::string(64, 'b') : c.id}, {"Names", name}, {"Image", c.image}, {"Labels", labels},
                          {"State", restarting_.count(name) ? "restarting" : c.running ? "running" : "exited"},
                          {"Status", restarting_.count(name) ? "Restarting (3) 1 second ago"
                                     : c.running             ? "Up 2 seconds"
                                                             : "Exited (137) 1 second ago"},
                          {"Ports", ""},
                          {"CreatedAt", "2026-11-30 17:00:00 +0000 UTC"}};
      out += j.dump() + "\n";
    }
    return ProcessResult{0, out, {}, false};
  }
  if (verb == "start") {
    if (!list.count(last)) return ProcessResult{1, "", "Error: No such container: " + argv.back(), false};
    ++starts_;
    list[last].running = !crashing_.count(last);
    restart_counts_.erase(last);
    return ProcessResult{0, last + "\n", {}, false};
  }
  if (verb == "stop") {
    if (list.count(last)) list[last].running = false;
    return ProcessResult{};
  }
  if (verb == "rm") {
    if (!list.count(last)) return ProcessResult{1, "", "Error: No such container: " + argv.back(), false};
    list.erase(last);
    return ProcessResult{};
  }
  if (verb == "inspect" && argv.size() == 5 && argv[3] == "{{.RestartCount}}") {
    if (!list.count(last)) return ProcessResult{1, "", "Error: No such object: " + argv.back(), false};
    auto it = restart_counts_.find(last);
    return ProcessResult{0, std::to_string(it == restart_counts_.end() ? 0 : it->second) + "\n", {}, false};
  }
  if (verb == "logs") return ProcessResult{0, "boom: cannot connect to db\n", {}, false};
  return ProcessResult{};
}

}  // namespace quarry
