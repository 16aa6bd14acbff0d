#include "launcher/image_builder.h"

#include <climits>
#include <cstdlib>

#include "core/file_io.h"
#include "core/text.h"
#include "launcher/docker_commands.h"

namespace quarry {

namespace {
const Endpoint kHq{"hq", "localhost", 0, ""};

Result<std::string> resolve_inside(const std::string& root, const std::string& rel) {
  char a[PATH_MAX], b[PATH_MAX];
  if (!realpath(root.c_str(), a)) return fail(root + ": no such directory");
  std::string joined = rel.empty() || rel == "." ? root : root + "/" + rel;
  if (!realpath(joined.c_str(), b)) return fail("build directory '" + rel + "' does not exist in " + root);
  std::string ra = a, rb = b;
  if (rb != ra && !rb.starts_with(ra + "/")) return fail("build directory '" + rel + "' is outside the stack's source");
  return rb;
}
}  // namespace

Result<std::string> build_context_dir(const std::string& source_dir, const std::string& build) {
  return resolve_inside(source_dir, build);
}

Argv image_build_argv(const std::string& tag, const std::string& context) {
  return {"docker", "build", "--quiet", "--network", "none", "--memory", kBuildMemory, "--memory-swap", kBuildMemory,
          "--cpu-period", "100000", "--cpu-quota", kBuildCpuQuota, "--force-rm", "--tag", tag, context};
}

Result<std::optional<std::string>> ImageBuilder::image_id(const std::string& ref) {
  Command c;
  c.argv = {"docker", "image", "inspect", "--format", "{{.Id}}", ref};
  c.timeout = std::chrono::seconds(30);
  auto r = engine_.run(kHq, c);
  if (!r) return std::unexpected(r.error());
  if (!r->ok()) return std::optional<std::string>{};
  return std::optional<std::string>(trim(r->out));
}

Result<BuiltImage> ImageBuilder::build(const std::string& stack, const Process& process, const std::string& source_dir,
                                       const std::string& release) {
  BuiltImage out;
  out.process = process.name;
  if (!process.image.empty()) {
    out.tag = process.image;
    auto id = image_id(process.image);
    if (!id) return std::unexpected(id.error());
    if (!*id) {
      return fail("image " + process.image + " of " + process.name +
                  " is not on the HQ's build engine and there is no registry to pull it from; bring it there with "
                  "`docker save " + process.image + " | quarry images load -` (quarry images ls lists what is there) "
                  "or use build: with a Dockerfile");
    }
    out.id = **id;
    return out;
  }
  auto context = resolve_inside(source_dir, process.build);
  if (!context) return std::unexpected(context.error().context(process.name));
  if (!path_exists(*context + "/Dockerfile")) {
    return fail(process.name + ": no Dockerfile in build directory " + *context);
  }
  out.tag = image_tag(stack, process.name, release);
  Command c;
  c.argv = image_build_argv(out.tag, *context);
  c.timeout = kBuildTimeout;
  auto r = run_ok(engine_, kHq, c);
  if (!r) return std::unexpected(r.error().context("build " + process.name));
  auto id = image_id(out.tag);
  if (!id) return std::unexpected(id.error());
  if (!*id) return fail_remote("build " + process.name + ": image " + out.tag + " missing after build");
  out.id = **id;
  return out;
}

}  // namespace quarry
