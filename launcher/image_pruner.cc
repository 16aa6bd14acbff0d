#include "launcher/image_pruner.h"

#include <algorithm>
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

std::vector<std::string> images_to_prune(const std::string& stack, const std::vector<ReleaseRecord>& releases,
                                         const std::vector<ImageRef>& present, int keep) {
  std::set<std::string> repos, kept;
  int left = keep;
  for (auto it = releases.rbegin(); it != releases.rend(); ++it) {
    const auto images = it->spec.is_object() ? it->spec.value("images", nlohmann::json::object())
                                             : nlohmann::json::object();
    const bool counts = it->status != "failed" && left > 0;
    if (counts) --left;
    for (const auto& [process, img] : images.items()) {
      repos.insert("quarry/" + stack + "-" + process);
      if (counts && img.is_object()) kept.insert(img.value("tag", ""));
    }
  }
  std::vector<std::string> out;
  for (const auto& ref : present) {
    auto colon = ref.tag.rfind(':');
    if (colon == std::string::npos || !repos.count(ref.tag.substr(0, colon))) continue;
    if (!is_release_tag(ref.tag.substr(colon + 1)) || kept.count(ref.tag)) continue;
    out.push_back(ref.tag);
  }
  return out;
}

Result<PruneReport> ImagePruner::prune(const std::string& stack) {
  auto settings = load_retention(store_);
  if (!settings) return std::unexpected(settings.error());
  auto releases = load_releases(store_, stack);
  if (!releases) return std::unexpected(releases.error());
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
      auto doomed = images_to_prune(stack, *releases, parse_image_list(listed->out), settings->keep);
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
