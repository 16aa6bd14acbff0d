#include "launcher/image_builder.h"

#include <climits>
#include <cstdlib>

#include "core/file_io.h"
#include "core/text.h"
#include "launcher/build_key.h"
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

Argv image_build_argv(const std::string& tag, const std::string& context, const std::string& key) {
  Argv argv = {"docker", "build", "--quiet", "--network", "none", "--memory", kBuildMemory, "--memory-swap", kBuildMemory,
               "--cpu-period", "100000", "--cpu-quota", kBuildCpuQuota, "--force-rm", "--tag", tag};
  // After the Dockerfile's own LABELs: a Dockerfile cannot set the key.
  if (!key.empty()) argv.insert(argv.end(), {"--label", std::string(kLabelBuildKey) + "=" + key});
  argv.push_back(context);
  return argv;
}

Result<std::optional<std::string>> ImageBuilder::key_of(const std::string& stack, const std::string& process,
                                                        const std::string& context) {
  auto dockerfile = read_file(context + "/Dockerfile");
  if (!dockerfile) return std::unexpected(dockerfile.error());
  auto inputs = dockerfile_inputs(*dockerfile);
  if (inputs.dynamic) return std::optional<std::string>{};
  std::vector<std::string> ids;
  for (const auto& ref : inputs.base_refs) {
    auto id = image_id(ref);
    if (!id) return std::unexpected(id.error());
    if (!*id) return std::optional<std::string>{};
    ids.push_back(ref + "=" + **id);
  }
  // Only what the Dockerfile copies counts (the manifest beside it, whose
  // env changes from push to push, does not), unless it takes it all.
  auto digest = context_digest(context, inputs.whole_context ? std::nullopt : std::optional(inputs.sources));
  if (!digest) return std::unexpected(digest.error());
  return std::optional<std::string>(build_key(stack, process, *digest, ids));
}

Result<std::optional<std::string>> ImageBuilder::reuse(const std::string& key, const std::string& tag) {
  Command ls;
  ls.argv = {"docker", "image", "ls", "--no-trunc", "--filter", std::string("label=") + kLabelBuildKey + "=" + key,
             "--filter", "reference=" + tag.substr(0, tag.rfind(':')) + ":*", "--format", "{{.ID}}"};
  ls.timeout = std::chrono::seconds(30);
  auto found = run_ok(engine_, kHq, ls);
  if (!found) return std::unexpected(found.error());
  auto lines = split_lines(trim(found->out));
  if (lines.empty() || trim(lines.front()).empty()) return std::optional<std::string>{};
  auto id = trim(lines.front());
  Command tag_it;
  tag_it.argv = {"docker", "tag", id, tag};
  tag_it.timeout = std::chrono::seconds(30);
  if (auto r = run_ok(engine_, kHq, tag_it); !r) return std::unexpected(r.error());
  return std::optional<std::string>(id);
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
  auto key = key_of(stack, process.name, *context);
  if (!key) return std::unexpected(key.error().context("build " + process.name));
  if (*key) {
    auto id = reuse(**key, out.tag);
    if (!id) return std::unexpected(id.error().context("build " + process.name));
    if (*id) {
      out.id = **id;
      out.reused = true;
      return out;
    }
  }
  Command c;
  c.argv = image_build_argv(out.tag, *context, key->value_or(""));
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
