// The images of a local run: each build directory built once per run
// (processes built from one directory share it), or not at all when its
// content is what it was at its last build and the engine still holds that
// image (run/builds.json); `image:` references resolved on the engine.
#include "core/log.h"
#include "core/text.h"
#include "launcher/build_context.h"
#include "launcher/local_run.h"

namespace quarry {

namespace {

constexpr const char* kBuildsKey = "run/builds.json";

std::string last_line(const std::string& text) {
  auto lines = split_lines(text);
  for (auto it = lines.rbegin(); it != lines.rend(); ++it) {
    auto t = trim(*it);
    if (!t.empty()) return t;
  }
  return "";
}

}  // namespace

// A build context whose content is what it was at the last build, and whose
// image the engine still holds under that build's tag and id, is not built
// again: a `docker build` of it would send the whole context to the engine
// and come back with the same image from its cache.
Result<BuiltImage> LocalRunner::build_or_reuse(ImageBuilder& builder, const LocalRunRequest& req, const Process& p,
                                               nlohmann::json& builds) {
  const std::string key = "build:" + (p.build.empty() ? std::string(".") : p.build);
  std::optional<std::string> hash;
  if (auto dir = build_context_dir(req.source_dir, p.build)) {
    if (auto h = context_hash(*dir)) hash = *h;
  }
  if (hash && builds.contains(key) && builds[key].is_object()) {
    const auto& last = builds[key];
    std::string tag = last.value("tag", ""), id = last.value("id", "");
    if (last.value("context", "") == *hash && !id.empty()) {
      auto now = builder.image_id(tag);
      if (now && *now && **now == id) return BuiltImage{p.name, tag, id};
    }
  }
  auto img = builder.build(req.stack.name, p, req.source_dir, "local");
  if (!img) return img;
  if (hash) builds[key] = {{"context", *hash}, {"tag", img->tag}, {"id", img->id}};
  else builds.erase(key);
  return img;
}

Result<std::map<std::string, BuiltImage>> LocalRunner::build_images(const LocalRunRequest& req) {
  Step step("build images");
  auto span = timed(timings_, Phase::Build);
  ImageBuilder builder(engine_);
  nlohmann::json builds = nlohmann::json::object();
  if (auto text = store_.get(kBuildsKey); text && *text) {
    auto j = nlohmann::json::parse(**text, nullptr, false);
    if (j.is_object()) builds = std::move(j);
  }
  const auto builds_before = builds;
  std::map<std::string, BuiltImage> images, by_source;
  for (const auto* group : {&req.stack.services, &req.stack.nodes}) {
    for (const auto& p : *group) {
      // Processes built from one directory share one build.
      std::string source = p.image.empty() ? "build:" + p.build : "image:" + p.image;
      if (auto it = by_source.find(source); it != by_source.end()) {
        images[p.name] = BuiltImage{p.name, it->second.tag, it->second.id};
        continue;
      }
      auto img = p.image.empty() ? build_or_reuse(builder, req, p, builds)
                                 : builder.build(req.stack.name, p, req.source_dir, "local");
      if (!img) {
        std::string why = last_line(img.error().message);
        step.failed(why);
        if (!p.image.empty()) return fail(img.error().message);
        return fail("the image of " + p.name + " failed to build (" + why + "): fix its Dockerfile or build context ('" +
                    (p.build.empty() ? "." : p.build) + "') and run again; `docker build` there shows the whole output");
      }
      by_source[source] = *img;
      images[p.name] = *img;
    }
  }
  if (builds != builds_before) {
    if (auto s = store_.put(kBuildsKey, builds.dump(2) + "\n"); !s) return std::unexpected(s.error());
  }
  step.done(std::to_string(by_source.size()) + " image(s)");
  return images;
}

}  // namespace quarry
