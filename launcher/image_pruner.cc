#include "launcher/image_pruner.h"

#include <algorithm>
#include <map>
#include <mutex>
#include <set>

#include "core/text.h"
#include "launcher/container_ops.h"
#include "launcher/parallel.h"
#include "store/store_json.h"

namespace quarry {

namespace {

const Endpoint kHqEngine{"hq", "localhost", 0, ""};

bool is_release_tag(const std::string& tag) {
  return tag.size() > 1 && tag[0] == 'r' &&
         std::all_of(tag.begin() + 1, tag.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

Result<RetentionSettings> load_retention(Store& store) {
  auto doc = get_json(store, "etc/releases.json");
  if (!doc) return std::unexpected(doc.error());
  RetentionSettings s;
  if (!*doc) return s;
  const auto& j = **doc;
  if (!j.is_object() || (j.contains("keep") && !j["keep"].is_number_integer())) {
    return fail(store.locate("etc/releases.json") + ": expected {\"keep\": N}");
  }
  s.keep = j.value("keep", s.keep);
  if (s.keep < 1) return fail(store.locate("etc/releases.json") + ": keep must be 1 or more");
  return s;
}

Argv docker_image_list() {
  return {"docker", "image", "ls", "--no-trunc", "--format", "{{.Repository}}:{{.Tag}} {{.ID}}"};
}

std::vector<ImageRef> parse_image_list(const std::string& out) {
  std::vector<ImageRef> list;
  for (const auto& line : split_lines(out)) {
    auto words = split(trim(line), ' ');
    if (words.size() != 2 || words[0].find(':') == std::string::npos) continue;
    list.push_back({words[0], words[1]});
  }
  return list;
}

Argv docker_image_rm(const std::vector<std::string>& tags) {
  Argv argv{"docker", "image", "rm"};
  argv.insert(argv.end(), tags.begin(), tags.end());
  return argv;
}

namespace {

nlohmann::json images_of(const ReleaseRecord& r) {
  return r.spec.is_object() ? r.spec.value("images", nlohmann::json::object()) : nlohmann::json::object();
}

}  // namespace

std::set<std::string> recorded_tags(const std::vector<ReleaseRecord>& releases) {
  std::set<std::string> tags;
  for (const auto& r : releases) {
    const auto images = images_of(r);
    for (const auto& [process, img] : images.items()) {
      if (img.is_object()) tags.insert(img.value("tag", ""));
    }
  }
  return tags;
}

std::vector<std::string> images_to_prune(const std::string& stack, const std::vector<ReleaseRecord>& releases,
                                         const std::vector<ImageRef>& present, int keep,
                                         const std::set<std::string>& others) {
  std::map<std::string, std::set<std::string>> recorded;  // tag -> ids the stack's releases gave it
  std::set<std::string> kept;
  int left = keep;
  for (auto it = releases.rbegin(); it != releases.rend(); ++it) {
    if (it->stack != stack && !it->stack.empty()) continue;
    const bool counts = it->status != "failed" && left > 0;
    if (counts) --left;
    const auto images = images_of(*it);
    for (const auto& [process, img] : images.items()) {
      if (!img.is_object()) continue;
      auto tag = img.value("tag", "");
      recorded[tag].insert(img.value("id", ""));
      if (counts) kept.insert(tag);
    }
  }
  std::vector<std::string> out;
  for (const auto& ref : present) {
    auto colon = ref.tag.rfind(':');
    if (colon == std::string::npos || !ref.tag.starts_with("quarry/")) continue;
    if (!is_release_tag(ref.tag.substr(colon + 1)) || kept.count(ref.tag) || others.count(ref.tag)) continue;
    auto it = recorded.find(ref.tag);
    if (it == recorded.end() || !it->second.count(ref.id)) continue;
    out.push_back(ref.tag);
  }
  return out;
}

Result<PruneReport> ImagePruner::prune(const std::string& stack) {
  auto settings = load_retention(store_);
  if (!settings) return std::unexpected(settings.error());
  auto releases = load_releases(store_, stack);
  if (!releases) return std::unexpected(releases.error());
  std::set<std::string> others;
  auto stacks = list_stacks(store_);
  if (!stacks) return std::unexpected(stacks.error());
  for (const auto& other : *stacks) {
    if (other == stack) continue;
    auto theirs = load_releases(store_, other);
    if (!theirs) return std::unexpected(theirs.error());
    others.merge(recorded_tags(*theirs));
  }
  auto servers = load_servers(store_);
  if (!servers) return std::unexpected(servers.error());
  struct Host {
    RemoteShell* shell;
    Endpoint endpoint;
  };
  std::vector<Host> hosts;
  for (const auto& s : *servers) hosts.push_back({&servers_, endpoint_of(s)});
  if (engine_) hosts.push_back({engine_, kHqEngine});
  PruneReport report;
  std::mutex mu;
  parallel_for(hosts.size(), 8, [&](std::size_t k) {
    const auto& h = hosts[k];
    Command list;
    list.argv = docker_image_list();
    list.timeout = std::chrono::seconds(60);
    auto listed = run_ok(*h.shell, h.endpoint, list);
    std::string problem;
    int removed = 0;
    if (!listed) {
      problem = listed.error().message;
    } else {
      auto doomed = images_to_prune(stack, *releases, parse_image_list(listed->out), settings->keep, others);
      if (!doomed.empty()) {
        Command rm;
        rm.argv = docker_image_rm(doomed);
        rm.timeout = std::chrono::minutes(5);
        auto r = h.shell->run(h.endpoint, rm);
        if (!r) problem = r.error().message;
        else if (!r->ok()) problem = h.endpoint.name + ": " + trim(r->err);
        for (const auto& line : split_lines(r ? r->out : std::string())) {
          if (line.starts_with("Untagged: ")) ++removed;
        }
      }
    }
    std::lock_guard lock(mu);
    report.removed += removed;
    if (!problem.empty()) report.problems.push_back(problem);
  });
  return report;
}

}  // namespace quarry
