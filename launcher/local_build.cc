// The images of a local run: each build directory built once per run
// (processes built from one directory share it), or not at all when the
// engine holds the image of an earlier build with the same key
// (build_key.h); `image:` references resolved on the engine.
#include "core/log.h"
#include "core/text.h"
#include "launcher/local_run.h"

namespace quarry {

Result<std::map<std::string, BuiltImage>> LocalRunner::build_images(const LocalRunRequest& req) {
  Step step("build images");
  auto span = timed(timings_, Phase::Build);
  ImageBuilder builder(engine_);
  std::map<std::string, BuiltImage> images, by_source;
  int reused = 0;
  for (const auto* group : {&req.stack.services, &req.stack.nodes}) {
    for (const auto& p : *group) {
      // Processes built from one directory share one build.
      std::string source = p.image.empty() ? "build:" + p.build : "image:" + p.image;
      if (auto it = by_source.find(source); it != by_source.end()) {
        images[p.name] = BuiltImage{p.name, it->second.tag, it->second.id};
        continue;
      }
      // An unchanged build is the image of its last build (build_key.h).
      auto img = builder.build(req.stack.name, p, req.source_dir, "local");
      if (!img) {
        std::string why = last_line(img.error().message);
        step.failed(why);
        if (!p.image.empty()) return fail(img.error().message);
        return fail("the image of " + p.name + " failed to build (" + why + "): fix its Dockerfile or build context ('" +
                    (p.build.empty() ? "." : p.build) + "') and run again; `docker build` there shows the whole output");
      }
      reused += img->reused;
      by_source[source] = *img;
      images[p.name] = *img;
    }
  }
  step.done(std::to_string(by_source.size()) + " image(s)" +
            (reused ? ", " + std::to_string(reused) + " unchanged since an earlier build" : ""));
  return images;
}

}  // namespace quarry
